package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// leaveRunning puts the review job of db in the state a SIGKILL leaves it
// in: running, its third attempt started startedAgo, after two rescues that
// would make River's backoff wait 3⁴ = 81 s, and interrupted times before.
func leaveRunning(t *testing.T, db string, startedAgo time.Duration, interrupted int) {
	t.Helper()
	dead := openQueue(t, db, nil)
	enqueue(t, dead, "d-1", pr)
	rescued := `{"at":"2030-01-01T00:00:00Z","attempt":%d,"error":"Stuck job rescued by JobRescuer","trace":""}`
	errorsJSON := "json('[" + strings.ReplaceAll(rescued, "%d", "1") + "," + strings.ReplaceAll(rescued, "%d", "2") + "]')"
	metadata := fmt.Sprintf(`jsonb('{"interrupted": %d}')`, interrupted)
	if strings.HasPrefix(db, "postgres") {
		errorsJSON = "ARRAY['" + strings.ReplaceAll(rescued, "%d", "1") + "'::jsonb, '" + strings.ReplaceAll(rescued, "%d", "2") + "'::jsonb]"
		metadata = fmt.Sprintf(`'{"interrupted": %d}'::jsonb`, interrupted)
	}
	if _, err := dead.db.exec(context.Background(), `UPDATE river_job SET state = 'running', attempt = 3, attempted_at = ?,
		errors = `+errorsJSON+`, metadata = `+metadata+` WHERE kind = 'review'`, dead.db.timeValue(time.Now().Add(-startedAgo))); err != nil {
		t.Fatal(err)
	}
	dead.Close()
}

func startQueue(t *testing.T, db string, opts Options) *Queue {
	t.Helper()
	opts.pollInterval = 20 * time.Millisecond
	q, err := Open(context.Background(), db, opts)
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
	return q
}

// TestReviewOfADeadProcessRunsAgain: a review left running by a process
// that was killed is taken back once RescueAfter has passed, and runs again
// at once, not after a backoff, its attempt not counted: the crash says
// nothing about the forge.
func TestReviewOfADeadProcessRunsAgain(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		leaveRunning(t, db, 10*time.Second, 0)
		reviewer := &fakeReviewer{}
		q := startQueue(t, db, Options{Reviewer: reviewer, JobTimeout: time.Second, RescueAfter: 2 * time.Second})
		eventually(t, "the rescued review to run", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })
		if runs, gaveUp := reviewer.counts(); runs != 1 || gaveUp != 0 {
			t.Errorf("%d runs and %d give-ups, want 1 and 0", runs, gaveUp)
		}
		job := mapJobs(t, q, "review", func(j *rivertype.JobRow) *rivertype.JobRow { return j })[0]
		var meta struct{ Interrupted int }
		if err := json.Unmarshal(job.Metadata, &meta); err != nil || job.Attempt != 3 || meta.Interrupted != 1 {
			t.Errorf("attempt %d, metadata %s: want the interrupted third attempt run again as the third, the interruption counted", job.Attempt, job.Metadata)
		}
	})
}

// TestReviewThatKillsItsProcessIsGivenUp: a review whose process died
// every time it ran is given up at the next start: its check run is
// completed as failed, without running it again.
func TestReviewThatKillsItsProcessIsGivenUp(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		leaveRunning(t, db, 10*time.Second, maxInterruptions-1)
		reviewer := &fakeReviewer{}
		q := startQueue(t, db, Options{Reviewer: reviewer, JobTimeout: time.Second, RescueAfter: 2 * time.Second})
		eventually(t, "the review to be given up", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"cancelled"}) })
		if runs, gaveUp := reviewer.counts(); runs != 0 || gaveUp != 1 || !errors.Is(reviewer.gaveUp[0], errInterrupted) {
			t.Errorf("%d runs and give-ups %v, want none and one for the interruptions", runs, reviewer.gaveUp)
		}
	})
}

// TestDeadProcessNoticedWithinSeconds: one process uses a SQLite file, so
// the reviews running at its start were its predecessor's: they run at
// once. PostgreSQL replicas share the database, and a running review may
// be another's, alive: it runs again once RescueAfter has passed since its
// attempt started, within seconds, not at River's rescuer's next round
// (every 30 s).
func TestDeadProcessNoticedWithinSeconds(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		const rescueAfter = 3 * time.Second
		leaveRunning(t, db, 0, 0)
		left := time.Now()
		reviewer := &fakeReviewer{}
		q := startQueue(t, db, Options{Reviewer: reviewer, JobTimeout: 2 * time.Second, RescueAfter: rescueAfter})
		if strings.HasPrefix(db, "postgres") {
			time.Sleep(rescueAfter / 2)
			if runs, _ := reviewer.counts(); runs != 0 {
				t.Fatal("a PostgreSQL replica took over a review another may be running")
			}
		}
		eventually(t, "the review to run again", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })
		took := time.Since(left)
		t.Logf("reviewed %s after the process died", took)
		if shared := strings.HasPrefix(db, "postgres"); !shared && took > rescueAfter || shared && took > 15*time.Second {
			t.Errorf("reviewed %s after the process died", took)
		}
	})
}
