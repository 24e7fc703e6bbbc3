package review

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestBudgetOfReads: past its files or bytes a review's reading stops,
// its context ends, and why says how to proceed; a file read twice (base
// and head share it) costs once.
func TestBudgetOfReads(t *testing.T) {
	b := newBudget(context.Background())
	defer b.release()
	for i := range maxReviewBlobs {
		if isNew, err := b.admit(strconv.Itoa(i)); !isNew || err != nil {
			t.Fatalf("blob %d: %v %v", i, isNew, err)
		}
		if isNew, err := b.admit(strconv.Itoa(i)); isNew || err != nil {
			t.Fatalf("blob %d read again: %v %v", i, isNew, err)
		}
	}
	if _, err := b.admit("one more"); !errors.Is(err, errOverBudget) || b.ctx.Err() == nil ||
		!strings.Contains(b.exceeded(), "more than 1000 files of the repository read") || !strings.HasSuffix(b.exceeded(), howToProceed) {
		t.Errorf("past the budget: %v, context %v, %q", err, b.ctx.Err(), b.exceeded())
	}

	b = newBudget(context.Background())
	defer b.release()
	b.read(maxReviewBytes)
	if b.exceeded() != "" {
		t.Fatal("stopped at the budget, not past it")
	}
	b.read(1)
	if !strings.Contains(b.exceeded(), "more than 64 MB of the repository read") || !errors.Is(context.Cause(b.ctx), errOverBudget) {
		t.Errorf("past the bytes: %q, %v", b.exceeded(), context.Cause(b.ctx))
	}
}
