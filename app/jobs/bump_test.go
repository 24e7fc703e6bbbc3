package jobs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/composeguard/composeguard/app/cron"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pulls"
)

var (
	_ Bumper                 = (*pulls.Runner)(nil)
	_ river.PeriodicSchedule = cron.Schedule{}
)

// fakeBumper lists repos and answers Bump with bump (nil: success),
// recording the calls.
type fakeBumper struct {
	repos []forge.Repository
	bump  func(repo forge.Repository, attempt int) error
	// failListings is how many listings fail before one succeeds.
	failListings int

	mu    sync.Mutex
	calls []string // "owner/name@run"
}

func (f *fakeBumper) Repositories(context.Context) ([]forge.Repository, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failListings > 0 {
		f.failListings--
		return nil, &forge.RetryableError{Err: errors.New("the forge answered 502")}
	}
	return f.repos, nil
}

func (f *fakeBumper) Bump(_ context.Context, repo forge.Repository, run time.Time) error {
	f.mu.Lock()
	f.calls = append(f.calls, repo.String()+"@"+run.Format("15:04"))
	attempt := 0
	for _, c := range f.calls {
		if c == f.calls[len(f.calls)-1] {
			attempt++
		}
	}
	f.mu.Unlock()
	if f.bump == nil {
		return nil
	}
	return f.bump(repo, attempt)
}

func (f *fakeBumper) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.calls)
	slices.Sort(out)
	return out
}

func bumpRepos(names ...string) []forge.Repository {
	var out []forge.Repository
	for _, n := range names {
		out = append(out, forge.Repository{Repo: forge.Repo{Forge: forge.GitHub, Owner: "acme", Name: n, CredentialsKey: "7"}, DefaultBranch: "main"})
	}
	return out
}

func openBumpQueue(t *testing.T, db string, bumper Bumper, schedule river.PeriodicSchedule) *Queue {
	t.Helper()
	return openQueueWith(t, db, Options{Reviewer: &fakeReviewer{}, Bump: BumpOptions{Bumper: bumper, Schedule: schedule}})
}

var monday = time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)

func TestBumpRunQueuesEveryRepositoryOnce(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		bumper := &fakeBumper{repos: bumpRepos("a", "b", "c")}
		q := openBumpQueue(t, db, bumper, river.NeverSchedule())
		ctx := t.Context()
		if _, err := q.client.Insert(ctx, BumpRunArgs{Run: monday}, nil); err != nil {
			t.Fatal(err)
		}
		want := []string{"acme/a@06:00", "acme/b@06:00", "acme/c@06:00"}
		eventually(t, "every repository bumped", func() bool { return len(bumper.called()) == len(want) })
		if got := bumper.called(); !slices.Equal(got, want) {
			t.Errorf("bumped %v, want %v", got, want)
		}
		again, err := q.client.Insert(ctx, BumpRunArgs{Run: monday}, nil)
		if err != nil || !again.UniqueSkippedAsDuplicate {
			t.Errorf("the same run inserted again: %+v, %v; want it skipped as a duplicate", again, err)
		}
		if _, err := q.client.Insert(ctx, BumpRunArgs{Run: monday.Add(7 * 24 * time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the next run", func() bool { return len(bumper.called()) == 2*len(want) })
	})
}

// One server proposes updates on GitHub and GitLab: each repository runs
// with its own forge's bumper, and a forge whose listing failed does not
// hold the other's repositories back; its own are listed again on the
// run's retry, and nobody's is bumped twice.
func TestBumpByForge(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		github := &fakeBumper{repos: bumpRepos("a", "b")}
		gitlab := &fakeBumper{failListings: 1, repos: []forge.Repository{
			{Repo: forge.Repo{Forge: forge.GitLab, Owner: "acme/platform", Name: "a"}, DefaultBranch: "main"}}}
		q := openBumpQueue(t, db, BumpByForge{forge.GitHub: github, forge.GitLab: gitlab}, river.NeverSchedule())
		if _, err := q.client.Insert(t.Context(), BumpRunArgs{Run: monday}, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "GitHub's repositories while GitLab failed", func() bool { return len(github.called()) == 2 })
		eventually(t, "GitLab's on the run's retry", func() bool { return len(gitlab.called()) == 1 })
		eventually(t, "the run to complete", func() bool { return slices.Equal(jobStates(t, q, "bump_run"), []string{"completed"}) })
		eventually(t, "the repositories' jobs, one each", func() bool {
			return slices.Equal(jobStates(t, q, "bump_repo"), []string{"completed", "completed", "completed"})
		})
		if got := append(github.called(), gitlab.called()...); !slices.Equal(got, []string{"acme/a@06:00", "acme/b@06:00", "acme/platform/a@06:00"}) {
			t.Errorf("bumped %v", got)
		}
		err := BumpByForge{forge.GitHub: github}.Bump(t.Context(), gitlab.repos[0], monday)
		if err == nil || !strings.Contains(err.Error(), `does not propose updates on "gitlab"`) {
			t.Errorf("a GitLab repository on a GitHub-only server: %v", err)
		}
	})
}

func TestBumpRepositoryRetries(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		bumper := &fakeBumper{repos: bumpRepos("flaky", "broken", "fine"), bump: func(repo forge.Repository, attempt int) error {
			switch {
			case repo.Name == "flaky" && attempt == 1:
				return &forge.RetryableError{After: time.Millisecond, Err: errors.New("GitHub answered 502")}
			case repo.Name == "broken":
				return errors.New("the policy cannot be parsed")
			}
			return nil
		}}
		q := openBumpQueue(t, db, bumper, river.NeverSchedule())
		if _, err := q.client.Insert(t.Context(), BumpRunArgs{Run: monday}, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the repository jobs to finish", func() bool {
			states := jobStates(t, q, "bump_repo")
			return len(states) == 3 && !slices.ContainsFunc(states, func(s string) bool { return s != "completed" && s != "cancelled" })
		})
		want := []string{"acme/broken@06:00", "acme/fine@06:00", "acme/flaky@06:00", "acme/flaky@06:00"}
		if got := bumper.called(); !slices.Equal(got, want) {
			t.Errorf("bumped %v, want %v: a retryable failure runs again, another does not", got, want)
		}
		states := jobStates(t, q, "bump_repo")
		slices.Sort(states)
		if !slices.Equal(states, []string{"cancelled", "completed", "completed"}) {
			t.Errorf("repository job states %v", states)
		}
	})
}

// everySecond stands in for a cron schedule, which fires once a minute at
// best.
type everySecond struct{}

func (everySecond) Next(t time.Time) time.Time { return t.Truncate(time.Second).Add(time.Second) }

func TestBumpRunsOnTheSchedule(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		bumper := &fakeBumper{repos: bumpRepos("a")}
		q := openBumpQueue(t, db, bumper, everySecond{})
		eventually(t, "a scheduled run", func() bool { return len(bumper.called()) > 0 })
		if states := jobStates(t, q, "bump_run"); len(states) == 0 {
			t.Error("no bump_run job recorded")
		}
	})
}

func TestBumpNeedsASchedule(t *testing.T) {
	for _, schedule := range []river.PeriodicSchedule{nil, cron.Schedule{}} {
		_, err := Open(t.Context(), testDatabase(t), Options{Reviewer: &fakeReviewer{}, Bump: BumpOptions{Bumper: &fakeBumper{}, Schedule: schedule}})
		if err == nil {
			t.Errorf("schedule %#v accepted; a run would never start", schedule)
		}
	}
}

func TestRunTimeIsTheActivation(t *testing.T) {
	for _, fired := range []time.Time{monday.Add(400 * time.Millisecond), monday.Add(-300 * time.Millisecond), monday.Add(20 * time.Second)} {
		if got := runTime(fired.In(time.FixedZone("CET", 3600))); !got.Equal(monday) || got.Location() != time.UTC {
			t.Errorf("fired at %s: run time %s, want %s", fired.Format(time.StampMilli), got, monday)
		}
	}
}

// TestReplicasBumpEachRunOnce: three replicas on one PostgreSQL database,
// each with the schedule: each run is started by the elected leader only,
// and each repository is bumped once per run, by whichever replica.
func TestReplicasBumpEachRunOnce(t *testing.T) {
	db := backends[1].url(t)
	bumper := &fakeBumper{repos: bumpRepos("a", "b", "c")}
	for range 3 {
		openBumpQueue(t, db, bumper, everySecond{})
	}
	eventually(t, "a scheduled run", func() bool { return len(bumper.called()) >= 3 })
	time.Sleep(3 * time.Second) // several more ticks of every replica's schedule
	calls := bumper.called()
	if len(slices.Compact(slices.Clone(calls))) != len(calls) {
		t.Errorf("bumped %v: a repository twice in one run", calls)
	}
}
