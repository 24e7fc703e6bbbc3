package jobs

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/composeguard/composeguard/app/forge"
)

// fakeDashboarder records the refreshes, failing the first of "flaky"
// with a retryable error.
type fakeDashboarder struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeDashboarder) Refresh(_ context.Context, repo forge.Repository) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, repo.String())
	if repo.Name == "flaky" && slices.Index(f.calls, repo.String()) == len(f.calls)-1 {
		return &forge.RetryableError{After: time.Millisecond, Err: errors.New("GitHub answered 502")}
	}
	return nil
}

func (f *fakeDashboarder) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.calls)
	slices.Sort(out)
	return out
}

// TestDashboardRefreshes: a delivery queues its repository's refresh once
// (a redelivery nothing, a burst coalesced while it waits), a retryable
// failure runs it again, and the bump run refreshes every repository.
func TestDashboardRefreshes(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		dash := &fakeDashboarder{}
		q := openQueueWith(t, db, Options{Reviewer: &fakeReviewer{}, Dashboard: dash,
			Bump: BumpOptions{Bumper: &fakeBumper{repos: bumpRepos("a", "flaky")}, Schedule: river.NeverSchedule()}})
		ctx := t.Context()
		repo := bumpRepos("pushed")[0]
		d := Delivery{Forge: forge.GitHub, ID: "d-1", Event: "push acme/pushed 1"}
		if got, err := q.EnqueueDashboard(ctx, d, repo); got != Queued || err != nil {
			t.Fatalf("first delivery: %s, %v", got, err)
		}
		if got, _ := q.EnqueueDashboard(ctx, d, repo); got != Duplicate {
			t.Errorf("its redelivery: %s, want duplicate", got)
		}
		eventually(t, "the refresh", func() bool { return slices.Equal(dash.called(), []string{"acme/pushed"}) })
		if _, err := q.client.Insert(ctx, BumpRunArgs{Run: monday}, nil); err != nil {
			t.Fatal(err)
		}
		want := []string{"acme/a", "acme/flaky", "acme/flaky", "acme/pushed"}
		eventually(t, "every dashboard on the bump run", func() bool { return len(dash.called()) == len(want) })
		if got := dash.called(); !slices.Equal(got, want) {
			t.Errorf("refreshed %v, want %v", got, want)
		}
	})
}
