package review_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// manyStacks is a change adding n compose projects.
func manyStacks(n int) (base, head map[string]string) {
	base = map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	head = map[string]string{"compose.yaml": base["compose.yaml"]}
	for i := range n {
		head[fmt.Sprintf("stacks/%04d/compose.yaml", i)] = reviewtest.Stack(reviewtest.Hardened("app"))
	}
	return base, head
}

// TestCancelledReviewStopsReading: a review whose job ran out of time
// stops reading and auditing, and returns the context's error, rather
// than working on beside the attempt River starts after it.
func TestCancelledReviewStopsReading(t *testing.T) {
	f := newFake(manyStacks(300))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const cancelAt = 20
	f.onRead = func(n int64) {
		if n == cancelAt {
			cancel()
		}
	}
	err := reviewer(f).Run(ctx, request(headSHA))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want the context's error", err)
	}
	if n := f.fileReads.Load(); n > 3*cancelAt {
		t.Errorf("%d files read after the review was cancelled at read %d", n, cancelAt)
	}
	if len(f.reviews)+len(f.issueComments) != 0 {
		t.Error("a cancelled review posted")
	}
}

// TestReviewBudget: a change affecting more compose files than a review
// may audit fails the check saying so, instead of running on.
func TestReviewBudget(t *testing.T) {
	f := newFake(manyStacks(600))
	run(t, reviewer(f), headSHA)
	c := f.lastCheck(t)
	if c.Conclusion != forge.ConclusionFailure || !strings.Contains(c.Summary, "composeguard stopped: the change affects 600 compose files, more than a review's budget of 500") {
		t.Errorf("check = %s %q, want a failure naming the budget:\n%s", c.Conclusion, c.Title, c.Summary)
	}
	if n := f.fileReads.Load(); n > 2000 {
		t.Errorf("%d files read by a review over its budget", n)
	}
}
