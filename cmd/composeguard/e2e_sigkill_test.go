package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/jobs/jobstest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// The kill trials are repeatable: COMPOSEGUARD_KILL_SEED replays the
// random choices of a trial (the seed is logged), COMPOSEGUARD_KILL_COUNT
// sets how many kills each makes (3 by default, to stay quick).
//
//	COMPOSEGUARD_KILL_SEED=7 COMPOSEGUARD_KILL_COUNT=30 go test ./cmd/composeguard -run TestE2ESIGKILL -v
const (
	killSeedEnv  = "COMPOSEGUARD_KILL_SEED"
	killCountEnv = "COMPOSEGUARD_KILL_COUNT"
)

// TestE2ESIGKILL kills real server processes with SIGKILL at random moments
// while they acknowledge a stream of deliveries and review, and starts them
// again: one process on SQLite, and two replicas on PostgreSQL with the
// deliveries spread across them. After the last restart every acknowledged
// delivery has been reviewed, each review job has exactly one completed
// check run, each head at most one review, each pull request one summary,
// and no comment is posted twice; every review a kill interrupted completed,
// within seconds.
func TestE2ESIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary and kills it repeatedly; skipped in -short mode")
	}
	t.Parallel()
	seed, kills := uint64(time.Now().UnixNano()), 3
	if v := os.Getenv(killSeedEnv); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("%s: %v", killSeedEnv, err)
		}
	}
	if v := os.Getenv(killCountEnv); v != "" {
		var err error
		if kills, err = strconv.Atoi(v); err != nil || kills < 1 {
			t.Fatalf("%s must be a positive number, got %q", killCountEnv, v)
		}
	}
	t.Logf("%s=%d %s=%d", killSeedEnv, seed, killCountEnv, kills)
	bin := buildServer(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		killTrial(t, bin, "sqlite://"+filepath.Join(t.TempDir(), "composeguard.db"), 1, seed, kills)
	})
	t.Run("postgres-2-replicas", func(t *testing.T) {
		t.Parallel()
		killTrial(t, bin, jobstest.PostgresURL(t), 2, seed, kills)
	})
}

// trial is the state of one kill trial.
type trial struct {
	t        *testing.T
	rnd      *rand.Rand
	bin      string
	env      map[string]string
	db       *sql.DB
	postgres bool
	fake     *githubtest.Fake
	repo     *githubtest.Repo
	base     string

	replicas []*child
	pulls    []githubtest.Pull

	mu         sync.Mutex
	recoveries []time.Duration // kill → the interrupted review's check run completed
	violations []string
	watching   sync.WaitGroup
}

func killTrial(t *testing.T, bin, dbURL string, replicas int, seed uint64, kills int) {
	fake, repo := e2eGitHub(t)
	// Reviews take a few hundred milliseconds, so kills land in them.
	fake.SetLatency(25 * time.Millisecond)
	env := e2eEnv(fake, "")
	env["COMPOSEGUARD_DATABASE_URL"] = dbURL
	env["COMPOSEGUARD_JOB_TIMEOUT"], env["COMPOSEGUARD_RESCUE_AFTER"] = "3s", "4s"
	env["TMPDIR"] = t.TempDir()
	tr := &trial{t: t, rnd: rand.New(rand.NewPCG(seed, uint64(replicas))), bin: bin, env: env,
		db: openDB(t, dbURL), postgres: strings.HasPrefix(dbURL, "postgres"), fake: fake, repo: repo,
		base: repo.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))})}
	for range replicas {
		tr.replicas = append(tr.replicas, startChild(t, bin, env))
	}

	acknowledged := map[string]bool{}
	var pending []delivery
	interrupted := 0
	for life := range kills + 1 {
		pending = append(pending, tr.stream(life)...)
		if life == kills {
			break
		}
		sent := make(chan []delivery, 1)
		spread := rand.New(rand.NewPCG(seed, uint64(life)))
		go func() { sent <- tr.sendAll(pending, 100*time.Millisecond, spread) }()
		// Kill while a review is under way: wait for a review job running
		// (or a while, on a slow machine), then a random moment more.
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && len(tr.runningJobs()) == 0; {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(tr.rnd.IntN(400)) * time.Millisecond)
		interrupted += tr.killOne()
		for _, d := range <-sent {
			acknowledged[d.id] = true
		}
		pending = unacknowledged(pending, acknowledged)
	}
	if interrupted == 0 {
		t.Fatal("no kill interrupted a review: the trial proves nothing")
	}
	// Every replica is up: what was not acknowledged is sent again, as an
	// owner redelivers it, until all is.
	for try := 0; len(pending) > 0; try++ {
		if try == 20 {
			t.Fatalf("%d deliveries never acknowledged", len(pending))
		}
		for _, d := range tr.sendAll(pending, 0, tr.rnd) {
			acknowledged[d.id] = true
		}
		pending = unacknowledged(pending, acknowledged)
	}
	tr.watching.Wait()
	states := waitIdle(t, tr.db, 60*time.Second)
	for _, r := range tr.replicas {
		if code := r.stop(t); code != 0 {
			t.Errorf("exit %d after SIGTERM, want 0", code)
		}
	}
	if states["completed"] == 0 || len(states) != 1 {
		tr.violation("review jobs by state %v, want all completed", states)
	}
	tr.checkPosted(acknowledged)
	fake.CheckOperations(t)

	slices.Sort(tr.recoveries)
	t.Logf("kill trial, %d replica(s): %d kills, %d reviews interrupted, recovery p50 %s max %s, %d deliveries acknowledged, %d violations",
		replicas, kills, len(tr.recoveries), tr.recoveries[len(tr.recoveries)/2].Round(time.Millisecond),
		tr.recoveries[len(tr.recoveries)-1].Round(time.Millisecond), len(acknowledged), len(tr.violations))
}

// version is the compose file of a pull request's version v: each replaces
// its insecure service, so the next review answers the last one's comments
// and posts new ones.
func (tr *trial) version(p githubtest.Pull, v int) string {
	return tr.repo.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		reviewtest.Insecure(fmt.Sprintf("web%dv%d", p.Number, v), fmt.Sprint(8000+v)))})
}

// stream is what a life brings: new pull requests (one in five from a
// fork), a push to an open one and a re-run of another's check.
func (tr *trial) stream(life int) []delivery {
	var out []delivery
	opened := 2
	if life == 0 {
		opened = 4
	}
	for range opened {
		n := 10 + len(tr.pulls)
		p := githubtest.Pull{Number: n, Title: "change", Fork: n%5 == 3, Base: tr.base}
		p.Head = tr.version(p, 0)
		tr.repo.AddPull(p)
		tr.pulls = append(tr.pulls, p)
		out = append(out, delivery{id: fmt.Sprintf("opened-%d", n), event: "pull_request", body: pullRequestEvent(tr.t, tr.repo, "opened", p)})
	}
	if life > 0 {
		p := &tr.pulls[tr.rnd.IntN(len(tr.pulls))]
		p.Head = tr.version(*p, life)
		tr.repo.Push(p.Number, p.Head)
		out = append(out, delivery{id: fmt.Sprintf("push-%d-%d", p.Number, life), event: "pull_request",
			body: pullRequestEvent(tr.t, tr.repo, "synchronize", *p)})
		// Each re-run follows a run completed anew: its body differs.
		rerun := tr.pulls[tr.rnd.IntN(len(tr.pulls))]
		var doc map[string]any
		if err := json.Unmarshal(checkRunRerequested(tr.t, rerun), &doc); err != nil {
			tr.t.Fatal(err)
		}
		object(doc["check_run"])["completed_at"] = time.Date(2026, 3, 2, 10, life, 0, 0, time.UTC).Format(time.RFC3339)
		out = append(out, delivery{id: fmt.Sprintf("rerun-%d-%d", rerun.Number, life), event: "check_run", body: marshal(tr.t, doc)})
	}
	return out
}

// sendAll spreads deliveries across the replicas, each to one chosen with
// rnd, until one is not answered (its replica was killed); it returns
// those acknowledged.
func (tr *trial) sendAll(deliveries []delivery, pause time.Duration, rnd *rand.Rand) []delivery {
	replicas := slices.Clone(tr.replicas)
	var acked []delivery
	for _, d := range deliveries {
		got := replicas[rnd.IntN(len(replicas))].sendAll([]delivery{d}, pause)
		if len(got) == 0 {
			return acked
		}
		acked = append(acked, got...)
	}
	return acked
}

// killOne kills a replica running a review (any, when none is), starts it
// again, and waits for the reviews it was running to complete: with several
// replicas, another one completes them before the dead one starts again.
// It returns how many reviews it interrupted.
func (tr *trial) killOne() int {
	running := tr.runningJobs()
	var busy []int
	for i, r := range tr.replicas {
		if len(running[r.replica]) > 0 {
			busy = append(busy, i)
		}
	}
	victim := tr.rnd.IntN(len(tr.replicas))
	if len(busy) > 0 {
		victim = busy[tr.rnd.IntN(len(busy))]
	}
	dead := tr.replicas[victim]
	dead.kill(tr.t)
	killedAt := time.Now()
	// What the dead replica was running, once it can change no more.
	jobs := tr.runningJobs()[dead.replica]
	tr.t.Logf("killed replica %d while it ran reviews %v", victim, jobs)
	for _, job := range jobs {
		tr.watching.Go(func() { tr.watchRecovery(job, killedAt) })
	}
	if len(tr.replicas) > 1 {
		// Another replica notices and finishes the reviews before the dead
		// one is back.
		tr.watching.Wait()
		for _, job := range jobs {
			var by string
			if err := tr.db.QueryRow(fmt.Sprintf(`SELECT attempted_by[array_length(attempted_by, 1)] FROM river_job WHERE id = %d`, job)).Scan(&by); err != nil || by == dead.replica {
				tr.violation("review job %d interrupted by a kill finished by %q (%v), want another replica", job, by, err)
			}
		}
	}
	tr.replicas[victim] = startChild(tr.t, tr.bin, tr.env)
	// The next kill comes once the server has recovered from this one.
	tr.watching.Wait()
	return len(jobs)
}

// runningJobs lists the review jobs running, by the replica running them.
func (tr *trial) runningJobs() map[string][]int64 {
	last := `json_extract(attempted_by, '$[#-1]')`
	if tr.postgres {
		last = `attempted_by[array_length(attempted_by, 1)]`
	}
	rows, err := tr.db.Query(`SELECT id, ` + last + ` FROM river_job WHERE kind = 'review' AND state = 'running'`)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var id int64
		var replica string
		if err := rows.Scan(&id, &replica); err != nil {
			tr.t.Fatal(err)
		}
		out[replica] = append(out[replica], id)
	}
	return out
}

// watchRecovery waits for an interrupted review job to end with its check
// run completed (it has none when its pull request moved on first), and
// records how long after the kill. A job killed after completing its run
// has recovered only once another attempt has found the run and ended the
// job.
func (tr *trial) watchRecovery(job int64, killedAt time.Time) {
	suffix := fmt.Sprintf(" job %d", job)
	for deadline := killedAt.Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var state string
		if err := tr.db.QueryRow(fmt.Sprintf(`SELECT state FROM river_job WHERE id = %d`, job)).Scan(&state); err != nil {
			continue
		}
		done := state == "completed" || state == "cancelled" || state == "discarded"
		for _, r := range tr.repo.CheckRuns() {
			if strings.HasSuffix(r.ExternalID, suffix) {
				done = done && r.Status == "completed"
			}
		}
		if done {
			tr.mu.Lock()
			tr.recoveries = append(tr.recoveries, time.Since(killedAt))
			tr.mu.Unlock()
			return
		}
	}
	tr.violation("review job %d interrupted by a kill not completed within 60 s", job)
}

func (tr *trial) violation(format string, args ...any) {
	tr.t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.violations = append(tr.violations, fmt.Sprintf(format, args...))
	tr.t.Errorf(format, args...)
}

// checkPosted checks what the fake GitHub holds after the last restart.
func (tr *trial) checkPosted(acknowledged map[string]bool) {
	var deliveries int
	if err := tr.db.QueryRow(`SELECT count(*) FROM deliveries`).Scan(&deliveries); err != nil {
		tr.t.Fatal(err)
	}
	if deliveries != len(acknowledged) {
		tr.violation("%d deliveries recorded, %d acknowledged", deliveries, len(acknowledged))
	}
	byJob := map[string]int{}
	for _, r := range tr.repo.CheckRuns() {
		if r.Status != "completed" || r.Title == "composeguard could not finish" {
			tr.violation("check run %d at %s: %s %q", r.ID, r.HeadSHA[:7], r.Status, r.Title)
		}
		if byJob[r.ExternalID]++; byJob[r.ExternalID] == 2 {
			tr.violation("two check runs for %s", r.ExternalID)
		}
	}
	for _, p := range tr.pulls {
		tr.checkPull(p)
	}
}

// checkPull checks a pull request reviewed through kills and restarts:
// its head reviewed, one summary describing it, at most one review per
// head, each finding commented once.
func (tr *trial) checkPull(p githubtest.Pull) {
	verdicts := 0
	for _, r := range tr.repo.CheckRuns() {
		if r.HeadSHA == p.Head && r.Conclusion == "failure" {
			verdicts++
		}
	}
	summaries := tr.repo.IssueComments(p.Number)
	if verdicts == 0 || len(summaries) != 1 || !strings.Contains(summaries[0].Body, "at `"+p.Head[:7]+"`") {
		tr.violation("#%d: %d verdicts at the head and %d summaries, want a verdict and one summary of the head", p.Number, verdicts, len(summaries))
	}
	heads := map[string]int{}
	for _, rv := range tr.repo.Reviews(p.Number) {
		if heads[rv.CommitID]++; heads[rv.CommitID] == 2 {
			tr.violation("#%d: two reviews of %s", p.Number, rv.CommitID[:7])
		}
	}
	marker := regexp.MustCompile(`composeguard:fingerprint=([0-9a-f]+)`)
	seen := map[string]bool{}
	for _, c := range tr.repo.ReviewComments(p.Number) {
		m := marker.FindStringSubmatch(c.Body)
		key := fmt.Sprint(c.InReplyTo, m)
		if m == nil || seen[key] {
			tr.violation("#%d: comment %d duplicated or unmarked: %.60q", p.Number, c.ID, c.Body)
		}
		seen[key] = true
	}
}
