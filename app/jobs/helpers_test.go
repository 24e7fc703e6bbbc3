package jobs

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs/jobstest"
)

// fakeReviewer answers Run with run (nil: success) and records the calls.
type fakeReviewer struct {
	run func(ctx context.Context, attempt int) error

	mu     sync.Mutex
	runs   []forge.ReviewRequest
	gaveUp []error
}

func (f *fakeReviewer) Run(ctx context.Context, req forge.ReviewRequest) error {
	f.mu.Lock()
	f.runs = append(f.runs, req)
	attempt := len(f.runs)
	f.mu.Unlock()
	if f.run == nil {
		return nil
	}
	return f.run(ctx, attempt)
}

func (f *fakeReviewer) GiveUp(_ context.Context, _ forge.ReviewRequest, cause error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gaveUp = append(f.gaveUp, cause)
	return nil
}

func (f *fakeReviewer) counts() (runs, gaveUp int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.runs), len(f.gaveUp)
}

func testDatabase(t *testing.T) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "composeguard.db")
}

// backends are the databases every storage and job test runs on; a
// PostgreSQL test gets a schema of its own.
var backends = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", testDatabase},
	{"postgres", func(t *testing.T) string { return jobstest.PostgresURL(t) }},
}

// onEach runs test on a fresh database of each backend.
func onEach(t *testing.T, test func(t *testing.T, db string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b.url(t))
		})
	}
}

// openQueue opens a queue on db working reviews with reviewer (nil: it only
// takes them in).
func openQueue(t *testing.T, db string, reviewer Reviewer) *Queue {
	t.Helper()
	return openQueueWith(t, db, Options{Reviewer: reviewer})
}

// openQueueWith opens and starts a queue that polls often, stopped and
// closed at the end of the test.
func openQueueWith(t *testing.T, db string, opts Options) *Queue {
	t.Helper()
	ctx := context.Background()
	opts.pollInterval = 20 * time.Millisecond
	q, err := Open(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		q.Stop(stopCtx)
		q.Close()
	})
	return q
}

var pr = forge.ReviewRequest{Repo: forge.Repo{Forge: forge.GitHub, Owner: "acme", Name: "stack", CredentialsKey: "7"}, Number: 12, HeadSHA: "aaaa111"}

// enqueue enqueues a delivery of its own event.
func enqueue(t *testing.T, q *Queue, deliveryID string, req forge.ReviewRequest) Outcome {
	t.Helper()
	return enqueueEvent(t, q, deliveryID, "event of "+deliveryID, req)
}

func enqueueEvent(t *testing.T, q *Queue, deliveryID, event string, req forge.ReviewRequest) Outcome {
	t.Helper()
	outcome, err := q.Enqueue(context.Background(), Delivery{Forge: forge.GitHub, ID: deliveryID, Event: event}, req)
	if err != nil {
		t.Fatal(err)
	}
	return outcome
}

// jobStates lists the states of the jobs of a kind, oldest first.
func jobStates(t *testing.T, q *Queue, kind string) []string {
	t.Helper()
	return mapJobs(t, q, kind, func(j *rivertype.JobRow) string { return string(j.State) })
}

// mapJobs lists f of each job of a kind, oldest first.
func mapJobs[T any](t *testing.T, q *Queue, kind string, f func(*rivertype.JobRow) T) []T {
	t.Helper()
	res, err := q.client.JobList(context.Background(),
		river.NewJobListParams().Kinds(kind).OrderBy(river.JobListOrderByID, river.SortOrderAsc).First(10000))
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, j := range res.Jobs {
		out = append(out, f(j))
	}
	return out
}

// count counts the rows of a table.
func count(t *testing.T, q *Queue, table string) int {
	t.Helper()
	var n int
	if err := q.db.queryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually waits for cond, long enough for a loaded machine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
