package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// TestE2ESIGKILL kills a real server process at random moments while it
// acknowledges deliveries and reviews, starts it again on the same database
// each time, and checks that nothing acknowledged was lost and nothing was
// posted twice.
func TestE2ESIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it repeatedly; skipped in -short mode")
	}
	t.Parallel()
	bin := buildServer(t)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 0))

	fake, repo := e2eGitHub(t)
	// Reviews take a few hundred milliseconds, so kills land in them.
	fake.SetLatency(25 * time.Millisecond)
	env := e2eEnv(fake, filepath.Join(t.TempDir(), "composeguard.db"))
	env["COMPOSEGUARD_JOB_TIMEOUT"], env["COMPOSEGUARD_RESCUE_AFTER"] = "3s", "4s"
	env["TMPDIR"] = t.TempDir()

	// Each version of a pull request replaces its insecure service: the
	// next review answers the last one's comments and posts new ones.
	version := func(p githubtest.Pull, v int) string {
		return repo.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
			reviewtest.Insecure(fmt.Sprintf("web%dv%d", p.Number, v), fmt.Sprint(8000+v)))})
	}
	var pulls []githubtest.Pull
	var pending []delivery
	base := repo.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))})
	for i := range 12 {
		p := githubtest.Pull{Number: 10 + i, Title: "change", Fork: i%5 == 3, Base: base}
		p.Head = version(p, 0)
		repo.AddPull(p)
		pulls = append(pulls, p)
		pending = append(pending, delivery{id: fmt.Sprintf("opened-%d", p.Number), event: "pull_request", body: pullRequestEvent(t, "opened", p)})
		if i%2 == 1 {
			pending = append(pending, delivery{id: fmt.Sprintf("rerun-%d", p.Number), event: "check_run", body: checkRunRerequested(t, p)})
		}
	}

	// A few lives, each killed at a random moment while deliveries arrive
	// and reviews run. Each life brings pushes to two pull requests; the
	// deliveries not acknowledged are sent again to the next life, as an
	// owner would redeliver them.
	acknowledged := map[string]bool{}
	interrupted, lives := 0, 5
	var last *child
	for life := range lives + 1 {
		if life > 0 {
			for _, i := range []int{life, life + 6} {
				p := &pulls[i]
				p.Head = version(*p, life)
				repo.Push(p.Number, p.Head)
				pending = append(pending, delivery{id: fmt.Sprintf("push-%d-%d", p.Number, life), event: "pull_request",
					body: pullRequestEvent(t, "synchronize", *p)})
			}
		}
		srv := startChild(t, bin, env)
		if life == lives {
			// The last life is not killed: it must finish every review.
			last = srv
			for _, d := range srv.sendAll(pending, 0) {
				acknowledged[d.id] = true
			}
			break
		}
		sent := make(chan []delivery, 1)
		go func() { sent <- srv.sendAll(pending, 100*time.Millisecond) }()
		// Kill while a review is under way: wait for a run in progress (or
		// a while, on a slow machine), then a random moment more.
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && !reviewing(repo); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rnd.IntN(400)) * time.Millisecond)
		srv.kill(t)
		for _, d := range <-sent {
			acknowledged[d.id] = true
		}
		pending = unacknowledged(pending, acknowledged)
		inProgress := 0
		for _, r := range repo.CheckRuns() {
			if r.Status == "in_progress" {
				inProgress++
			}
		}
		interrupted = max(interrupted, inProgress)
		t.Logf("life %d: %d deliveries acknowledged so far, %d check runs left in progress", life+1, len(acknowledged), inProgress)
	}
	if interrupted == 0 {
		t.Fatal("no kill interrupted a review: the test proves nothing")
	}
	if pending = unacknowledged(pending, acknowledged); len(pending) > 0 {
		t.Fatalf("%d deliveries never acknowledged", len(pending))
	}
	states := waitIdle(t, strings.TrimPrefix(env["COMPOSEGUARD_DATABASE_URL"], "sqlite://"), 50*time.Second)
	if code := last.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	if states["completed"] == 0 || len(states) != 1 {
		t.Errorf("review jobs by state %v, want all completed", states)
	}
	for _, r := range repo.CheckRuns() {
		if r.Status != "completed" || r.Title == "composeguard could not finish" {
			t.Errorf("check run %d at %s: %s %q", r.ID, r.HeadSHA[:7], r.Status, r.Title)
		}
	}
	for _, p := range pulls {
		assertPostedOnce(t, repo, p)
	}
	fake.CheckOperations(t)
}

// assertPostedOnce checks a pull request reviewed through kills and
// restarts: its head reviewed, one summary describing it, at most one
// review per head, each finding commented once and answered once.
func assertPostedOnce(t *testing.T, repo *githubtest.Repo, p githubtest.Pull) {
	t.Helper()
	runs := 0
	for _, r := range repo.CheckRuns() {
		if r.HeadSHA == p.Head && r.Conclusion == "failure" {
			runs++
		}
	}
	summaries := repo.IssueComments(p.Number)
	if runs == 0 || len(summaries) != 1 || !strings.Contains(summaries[0].Body, "at `"+p.Head[:7]+"`") {
		t.Errorf("#%d: %d verdicts at the head and %d summaries, want a verdict and one summary of the head", p.Number, runs, len(summaries))
	}
	heads := map[string]int{}
	for _, rv := range repo.Reviews(p.Number) {
		if heads[rv.CommitID]++; heads[rv.CommitID] > 1 {
			t.Errorf("#%d: %d reviews of %s", p.Number, heads[rv.CommitID], rv.CommitID[:7])
		}
	}
	marker := regexp.MustCompile(`composeguard:fingerprint=([0-9a-f]+)`)
	seen := map[string]bool{}
	for _, c := range repo.ReviewComments(p.Number) {
		m := marker.FindStringSubmatch(c.Body)
		key := fmt.Sprint(c.InReplyTo, m)
		if m == nil || seen[key] {
			t.Errorf("#%d: comment %d duplicated or unmarked: %.60q", p.Number, c.ID, c.Body)
		}
		seen[key] = true
	}
	t.Logf("#%d: %d verdicts at the head, %d reviews, %d review comments", p.Number, runs, len(heads), len(seen))
}

// delivery is one webhook delivery GitHub makes.
type delivery struct {
	id, event string
	body      []byte
}

// unacknowledged returns the deliveries not acknowledged yet.
func unacknowledged(all []delivery, acknowledged map[string]bool) []delivery {
	var out []delivery
	for _, d := range all {
		if !acknowledged[d.id] {
			out = append(out, d)
		}
	}
	return out
}

// buildServer builds composeguard into a temporary folder.
func buildServer(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build the server with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "composeguard")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is one `composeguard serve` process.
type child struct {
	cmd  *exec.Cmd
	url  string
	logs *logBuffer
	done chan struct{}
}

func startChild(t *testing.T, bin string, env map[string]string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, "serve"), logs: &logBuffer{}, done: make(chan struct{})}
	for k, v := range env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("server %d log:\n%s", c.cmd.Process.Pid, tail(c.logs.String(), 30))
		}
	})
	c.url = c.logs.address(t)
	return c
}

// sendAll delivers each in turn, pausing between them, until one is not
// answered; it returns those acknowledged: accepted, or recognised as seen
// when an earlier answer was lost with the process.
func (c *child) sendAll(deliveries []delivery, pause time.Duration) []delivery {
	var acked []delivery
	for _, d := range deliveries {
		code, err := tryDeliver(c.url, d.event, d.id, signE2E(d.body), d.body)
		if err != nil {
			return acked
		}
		if code == http.StatusAccepted || code == http.StatusOK {
			acked = append(acked, d)
		}
		time.Sleep(pause)
	}
	return acked
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// stop sends SIGTERM and returns the exit code.
func (c *child) stop(t *testing.T) int {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		t.Fatal("SIGTERM did not stop the server")
		return -1
	}
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// reviewing reports whether a check run is in progress in the fake.
func reviewing(repo *githubtest.Repo) bool {
	for _, r := range repo.CheckRuns() {
		if r.Status == "in_progress" {
			return true
		}
	}
	return false
}
