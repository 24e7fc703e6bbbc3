package audit

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
)

// cancelAfter reads a snapshot and cancels its review after n reads, as a
// job timeout does in the middle of an audit.
type cancelAfter struct {
	compose.MapSnapshot
	n      int64
	reads  atomic.Int64
	cancel context.CancelFunc
}

func (s *cancelAfter) ReadFile(p string) ([]byte, error) {
	if s.reads.Add(1) == s.n {
		s.cancel()
	}
	return s.MapSnapshot.ReadFile(p)
}

// TestCancelledAuditStopsReading: once its context is done, an audit
// starts no other project, so a job past its timeout stops working
// instead of running on beside the retry River starts.
func TestCancelledAuditStopsReading(t *testing.T) {
	snap := compose.MapSnapshot{}
	for i := range 300 {
		snap[fmt.Sprintf("stack%03d/compose.yaml", i)] = []byte("services:\n  web:\n    image: nginx:1.27\n")
	}
	pol := policy.Default()
	g := Projects(snap, pol)
	whole := &cancelAfter{MapSnapshot: snap, cancel: func() {}}
	RunProjects(context.Background(), whole, pol, g, now)
	perProject := whole.reads.Load() / 300

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &cancelAfter{MapSnapshot: snap, n: 10, cancel: cancel}
	RunProjects(ctx, s, pol, g, now)
	// The projects already started may finish; no other may start.
	if n, most := s.reads.Load(), s.n+perProject*int64(runtime.GOMAXPROCS(0)); n > most {
		t.Errorf("%d reads after the context was cancelled at read %d, want at most %d (of %d)", n, s.n, most, whole.reads.Load())
	}
}
