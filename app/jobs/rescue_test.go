package jobs

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestReviewOfADeadProcessRunsAgain: a review left running by a process
// that was killed is taken back once RescueAfter has passed, and runs again
// at once, not after a backoff: the crash says nothing about the forge.
func TestReviewOfADeadProcessRunsAgain(t *testing.T) {
	db := testDatabase(t)
	dead := openQueue(t, db, nil)
	enqueue(t, dead, "d-1", pr)
	// What a SIGKILL leaves: the job running, its third attempt started
	// long ago, after two rescues. River's backoff would wait 3⁴ = 81 s.
	if _, err := dead.db.Exec(`UPDATE river_job SET state = 'running', attempt = 3,
		attempted_at = datetime('now', '-10 seconds'),
		errors = json('[{"at":"2030-01-01T00:00:00Z","attempt":1,"error":"Stuck job rescued by JobRescuer","trace":""},
		                {"at":"2030-01-01T00:01:00Z","attempt":2,"error":"Stuck job rescued by JobRescuer","trace":""}]')
		WHERE kind = 'review'`); err != nil {
		t.Fatal(err)
	}
	dead.Close()

	reviewer := &fakeReviewer{}
	q, err := Open(context.Background(), db, Options{Reviewer: reviewer, JobTimeout: time.Second,
		RescueAfter: 2 * time.Second, pollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		q.Stop(context.Background())
		q.Close()
	})
	eventually(t, "the rescued review to run", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })
	if runs, gaveUp := reviewer.counts(); runs != 1 || gaveUp != 0 {
		t.Errorf("%d runs and %d give-ups, want 1 and 0", runs, gaveUp)
	}
}
