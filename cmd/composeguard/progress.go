package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"golang.org/x/term"
)

// progressDelay is how long work runs before its progress line shows, so a
// quick run prints nothing; progressInterval is the least time between two
// redraws.
var progressDelay, progressInterval = 300 * time.Millisecond, 100 * time.Millisecond

// progress is one line on a terminal that says how far long work has got
// ("auditing 120/890 files…"), redrawn in place and cleared when the work
// ends. It writes nothing unless stderr is a terminal outside CI, so pipes,
// files and CI logs never see it. Its methods are safe for concurrent use.
type progress struct {
	w io.Writer // nil: off

	mu          sync.Mutex
	format      string // with two %d: done and total
	done, total int
	started     time.Time
	drawn       time.Time
	shown       bool
}

func newProgress(stderr io.Writer) *progress {
	if !interactive(stderr) {
		return &progress{}
	}
	return &progress{w: stderr}
}

// interactive reports whether w is a terminal a person watches: not a pipe
// or file, not a CI log (CI is set by GitHub Actions, GitLab CI and most
// others), not a terminal that cannot erase a line.
func interactive(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		return false
	}
	return os.Getenv("TERM") != "dumb"
}

// start counts toward total from zero.
func (p *progress) start(format string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.format, p.done, p.total, p.started, p.drawn = format, 0, total, time.Now(), time.Time{}
}

// add counts one more done and redraws when the line is due.
func (p *progress) add() {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	now := time.Now()
	if now.Sub(p.started) < progressDelay || now.Sub(p.drawn) < progressInterval {
		return
	}
	p.drawn, p.shown = now, true
	fmt.Fprintf(p.w, "\r"+p.format+"\x1b[K", p.done, p.total)
}

// clear erases the line, so what follows starts on a clean line.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		io.WriteString(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// readProgress counts the audited files as their projects first read them.
type readProgress struct {
	compose.Snapshot
	progress *progress

	mu     sync.Mutex
	unread map[string]bool
}

func newReadProgress(snap compose.Snapshot, plans []compose.Plan, p *progress) *readProgress {
	unread := map[string]bool{}
	for _, plan := range plans {
		for _, f := range plan.Files {
			unread[f] = true
		}
	}
	return &readProgress{Snapshot: snap, progress: p, unread: unread}
}

func (s *readProgress) ReadFile(name string) ([]byte, error) {
	s.mu.Lock()
	first := s.unread[name]
	delete(s.unread, name)
	s.mu.Unlock()
	if first {
		s.progress.add()
	}
	return s.Snapshot.ReadFile(name)
}

// lookupProgress counts the registry's answers to tag list requests, one
// per image repository a bump plans.
type lookupProgress struct {
	bump.Registry
	progress *progress
}

func (r lookupProgress) Tags(ctx context.Context, repository string) ([]string, error) {
	defer r.progress.add()
	return r.Registry.Tags(ctx, repository)
}
