package review_test

import (
	"context"
	"errors"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// TestAttemptAfterTheRunCompletedKeepsIt: a process killed after the
// review completed its check run, before the queue recorded the job done,
// runs the job again. That attempt finds the job's completed run and keeps
// it: one completed run per job, nothing posted twice. A re-run is another
// job, with a run of its own.
func TestAttemptAfterTheRunCompletedKeepsIt(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	ctx := context.Background()
	job := request(headSHA)
	job.Job = 41
	if err := reviewer(f).Run(ctx, job); err != nil {
		t.Fatal(err)
	}
	verdict := *f.lastCheck(t)
	writes := func() int {
		return f.count("CreateCheckRun") + f.count("UpdateCheckRun") + f.count("CreateReview") + f.count("Reply") +
			f.count("CreateIssueComment") + f.count("EditIssueComment")
	}
	before := writes()

	if err := reviewer(f).Run(ctx, job); err != nil {
		t.Fatal(err)
	}
	// Its last attempt may also fail after the run completed: giving up
	// keeps the verdict.
	if err := reviewer(f).GiveUp(ctx, job, context.DeadlineExceeded); err != nil {
		t.Fatal(err)
	}
	if n := writes() - before; n != 0 || len(f.checkRuns) != 1 {
		t.Errorf("the job's next attempt wrote %d times and left %d check runs, want none and the one", n, len(f.checkRuns))
	}
	if c := *f.checkRuns[0]; c.Status != forge.StatusCompleted || c.Conclusion != verdict.Conclusion || c.Title != verdict.Title {
		t.Errorf("the completed run became %s %s %q, want %s %q", c.Status, c.Conclusion, c.Title, verdict.Conclusion, verdict.Title)
	}

	// The re-run button's job: its first attempt dies after creating its
	// run, the next takes that run up.
	rerun := job
	rerun.Job = 42
	f.failOnce["ChangedFiles"] = &forge.RetryableError{Err: errors.New("connection reset")}
	if err := reviewer(f).Run(ctx, rerun); err == nil {
		t.Fatal("no error")
	}
	if err := reviewer(f).Run(ctx, rerun); err != nil {
		t.Fatal(err)
	}
	f.assertNoneInProgress(t)
	if len(f.checkRuns) != 2 || f.checkRuns[1].ExternalID == f.checkRuns[0].ExternalID {
		t.Errorf("%d check runs, want the first job's and the re-run's", len(f.checkRuns))
	}
	if len(f.reviews) != 1 || len(f.issueComments) != 1 {
		t.Errorf("%d reviews and %d summaries, want one each", len(f.reviews), len(f.issueComments))
	}
}
