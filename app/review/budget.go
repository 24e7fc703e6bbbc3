package review

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/composeguard/composeguard/app/compose"
)

// A review's budget bounds what one pull request can make the server
// spend; past it the review stops reading and auditing, and the check
// fails saying so, instead of running on.
const (
	// maxReviewFiles is the most compose files a review audits, base and
	// head together: about 400 are audited a second on 2 cores, so these
	// cost seconds, and a change touching more is better reviewed in parts.
	maxReviewFiles = 500
	// maxReviewBlobs is the most files (distinct contents) a review reads
	// from the forge, each one API call at most: a fifth of the 5,000
	// requests an hour GitHub gives an installation.
	maxReviewBlobs = 1000
	// maxReviewBytes is the most content a review reads: the forge
	// client's blob cache holds as much, a sixth of the server's memory
	// limit.
	maxReviewBytes = 64 << 20
)

// howToProceed ends every message of a review that stopped.
const howToProceed = " Split the pull request, or audit the branch with `composeguard audit` and have an administrator merge past the check."

var errOverBudget = errors.New("the review's budget is spent")

// budget counts what a review reads; its context, which the snapshots and
// the audit read with, ends when the budget is spent.
type budget struct {
	ctx  context.Context
	stop context.CancelCauseFunc

	mu    sync.Mutex
	blobs map[string]bool
	bytes int64
	over  string // why the review stopped, "" within budget
}

func newBudget(ctx context.Context) *budget {
	b := &budget{blobs: map[string]bool{}}
	b.ctx, b.stop = context.WithCancelCause(ctx)
	return b
}

// release ends the reading context once the review is done.
func (b *budget) release() { b.stop(nil) }

// exceed stops the review for why.
func (b *budget) exceed(why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.exceedLocked(why)
}

func (b *budget) exceedLocked(why string) {
	if b.over == "" {
		b.over = "composeguard stopped: " + why + "." + howToProceed
		b.stop(errOverBudget)
	}
}

// exceeded is why the review stopped, "" when it did not.
func (b *budget) exceeded() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

// admit accounts for reading the content blob before it is read: a blob
// read before costs nothing, a new one is refused past the budget.
func (b *budget) admit(blob string) (isNew bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.over != "":
		return false, errOverBudget
	case blob == "" || b.blobs[blob]:
		return false, nil
	case len(b.blobs) >= maxReviewBlobs:
		b.exceedLocked(fmt.Sprintf("the change needs more than %d files of the repository read, a review's budget", maxReviewBlobs))
		return false, errOverBudget
	}
	b.blobs[blob] = true
	return true, nil
}

// read accounts for n bytes of a new blob read.
func (b *budget) read(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.bytes += int64(n)
	if b.bytes > maxReviewBytes {
		b.exceedLocked(fmt.Sprintf("the change needs more than %d MB of the repository read, a review's budget", maxReviewBytes>>20))
	}
}

// composeFiles counts the files of a grouping's projects.
func composeFiles(g compose.Grouping) int {
	files := map[string]bool{}
	for _, plan := range g.Plans {
		for _, f := range plan.Files {
			files[f] = true
		}
	}
	return len(files)
}

// auditing accounts for the compose files a review is about to audit.
func (b *budget) auditing(files int) {
	if files > maxReviewFiles {
		b.exceed(fmt.Sprintf("the change affects %d compose files, more than a review's budget of %d", files, maxReviewFiles))
	}
}
