package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/pulls"
)

// A run spreads its repositories over the window, each at the same place
// at every run, behind the reviews waiting.
func TestBumpRunSpreadsRepositories(t *testing.T) {
	var names []string
	for i := range 60 {
		names = append(names, fmt.Sprintf("repo-%02d", i))
	}
	bumper := &fakeBumper{repos: bumpRepos(names...)}
	q := openQueueWith(t, testDatabase(t), Options{Reviewer: &fakeReviewer{},
		Bump: BumpOptions{Bumper: bumper, Schedule: river.NeverSchedule(), Spread: time.Hour}})
	next := monday.Add(7 * 24 * time.Hour)
	for _, run := range []time.Time{monday, next} {
		if _, err := q.client.Insert(t.Context(), BumpRunArgs{Run: run}, nil); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "both runs' repositories queued", func() bool { return len(jobStates(t, q, "bump_repo")) == 2*len(names) })

	type placed struct {
		repo     string
		offset   time.Duration
		priority int
	}
	jobs := mapJobs(t, q, "bump_repo", func(j *rivertype.JobRow) placed {
		var args BumpRepoArgs
		mustUnmarshal(t, j.EncodedArgs, &args)
		return placed{args.Repo.Name, j.ScheduledAt.Sub(args.Run), j.Priority}
	})
	offsets := map[string]time.Duration{}
	quarters := map[time.Duration]int{}
	for _, j := range jobs {
		if j.offset < 0 || j.offset >= time.Hour || j.priority != bumpPriority {
			t.Errorf("%s: %s after the run's start at priority %d; want within the hour, behind reviews (%d)", j.repo, j.offset, j.priority, bumpPriority)
		}
		if first, seen := offsets[j.repo]; seen && first != j.offset {
			t.Errorf("%s: %s after one run's start, %s after the next's; want the same place", j.repo, first, j.offset)
		}
		offsets[j.repo] = j.offset
		quarters[j.offset.Truncate(15*time.Minute)]++
	}
	// 60 repositories over 4 quarters of an hour: about 15 each.
	for q := range 4 {
		if n := quarters[time.Duration(q)*15*time.Minute]; n < 2*5 || n > 2*25 {
			t.Errorf("quarter %d of the hour holds %d of 120 jobs: not spread (%v)", q+1, n, quarters)
		}
	}
	if len(bumper.called()) != 0 {
		t.Errorf("bumped %v before their time", bumper.called())
	}
}

// An installation low on its rate limit waits for the reset, while
// another installation's repositories and every review go on.
func TestBumpWaitsForTheRateLimitReset(t *testing.T) {
	fake := githubtest.New(t)
	fake.SetApp(42, &githubtest.AppKey().PublicKey)
	for _, r := range []struct {
		owner, name  string
		installation int64
	}{{"acme", "a", 7}, {"acme", "b", 7}, {"other", "c", 8}} {
		fake.AddRepo(r.owner, r.name, r.installation).CommitTo("main", "octocat",
			map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1.25.5\n"})
	}
	client, err := github.NewAppClient(github.Options{APIURL: fake.URL, AppID: 42,
		PrivateKey: githubtest.AppKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	runner := pulls.New(pulls.Options{Forge: client,
		NewRegistry: func() (pulls.Registries, error) { return nil, errors.New("no repository opted in") }})
	reset := time.Now().Add(2 * time.Second)
	fake.SetRateLimitRemaining(7, 900, reset) // below a fifth of 5,000

	reviewer := &fakeReviewer{}
	metrics := prometheus.NewRegistry()
	q := openQueueWith(t, testDatabase(t), Options{Reviewer: reviewer, Registerer: metrics,
		Bump:   BumpOptions{Bumper: runner, Schedule: river.NeverSchedule(), Reserve: 0.2},
		Quotas: QuotasByForge{forge.GitHub: client}})
	if _, err := q.client.Insert(t.Context(), BumpRunArgs{Run: runTime(time.Now())}, nil); err != nil {
		t.Fatal(err)
	}
	read := func(repo string) bool {
		return slices.ContainsFunc(fake.Requests(), func(r githubtest.Request) bool {
			return strings.HasPrefix(r.Path, "/repos/"+repo+"/")
		})
	}
	// states are the repositories' jobs' states, "waiting" for one
	// snoozed until after the reset.
	states := func() map[string]string {
		out := map[string]string{}
		for _, j := range mapJobs(t, q, "bump_repo", func(j *rivertype.JobRow) *rivertype.JobRow { return j }) {
			var args BumpRepoArgs
			mustUnmarshal(t, j.EncodedArgs, &args)
			out[args.Repo.String()] = string(j.State)
			if j.State != rivertype.JobStateCompleted && !j.ScheduledAt.Before(reset) {
				out[args.Repo.String()] = "waiting"
			}
		}
		return out
	}
	eventually(t, "the other installation's repository", func() bool { return states()["other/c"] == "completed" })
	// Each installation's listing told its quota; other/c's run spent more
	// of 8's.
	if got, want := remaining(t, metrics), fmt.Sprintf("github 7: 899, github 8: %d", 5000-fake.RateLimitUsed(8)); got != want {
		t.Errorf("composeguard_forge_ratelimit_remaining: %s, want %s", got, want)
	}
	enqueue(t, q, "d1", forge.ReviewRequest{Repo: forge.Repo{Forge: forge.GitHub, Owner: "acme", Name: "a", CredentialsKey: "7"}, Number: 1, HeadSHA: "abc"})
	eventually(t, "the review, within the reserve", func() bool { runs, _ := reviewer.counts(); return runs == 1 })
	if s := states(); time.Now().Before(reset) && (s["acme/a"] != "waiting" || s["acme/b"] != "waiting" || read("acme/a") || read("acme/b")) {
		t.Errorf("before the reset: jobs %v, acme/a read: %v; want installation 7's waiting, unread", s, read("acme/a"))
	}
	eventually(t, "installation 7's repositories after the reset", func() bool {
		s := states()
		return s["acme/a"] == "completed" && s["acme/b"] == "completed"
	})
	if !read("acme/a") || time.Now().Before(reset) {
		t.Error("installation 7's repositories completed without being read after the reset")
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// remaining reads the gauge of rate limits left, "forge installation: n".
func remaining(t *testing.T, metrics *prometheus.Registry) string {
	t.Helper()
	families, err := metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if f.GetName() != "composeguard_forge_ratelimit_remaining" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out = append(out, fmt.Sprintf("%s %s: %g", labels["forge"], labels["installation"], m.GetGauge().GetValue()))
		}
	}
	return strings.Join(out, ", ")
}
