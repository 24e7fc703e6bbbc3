// Package fix turns findings with a mechanical fix into verified edits of
// the compose files: text-level, byte-preserving (only the lines it changes
// differ), written in each file's own indentation and quoting, and kept only
// when the edited project still loads and the findings it claims are gone.
// The pull request review posts an edit as one suggestion per comment;
// `harden` applies every edit of a file.
package fix

import (
	"context"
	"sort"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

// Options are the values the fixes write and the rule settings the audit
// ran with, which verification uses again.
type Options struct {
	Checks checks.Options
	Memory string // memory limit, e.g. "512M"
	CPUs   string // CPU limit, e.g. "1.0"
	Pids   int    // PID limit, e.g. 200
	// Keep names services no edit may change, such as those an exception
	// covers: an edit of a value they share (an anchor, an extends base)
	// is refused.
	Keep []string
}

// DefaultOptions are the limits the rules' documentation suggests.
func DefaultOptions() Options {
	return Options{Checks: checks.DefaultOptions(), Memory: "512M", CPUs: "1.0", Pids: 200}
}

// Edit replaces lines StartLine..EndLine (1-based, inclusive) of File with
// Text. It covers every line it changes and nothing around them; an
// insertion includes the line it goes after, as a forge suggestion replaces
// whole lines.
type Edit struct {
	File               string
	StartLine, EndLine int
	// Text is the new content of those lines, separated by "\n", with no
	// final newline; "" removes them. Apply writes the file's own line
	// endings.
	Text string
	// Fixes are the findings the edit removes (verified).
	Fixes []checks.Finding
}

// Reason says why a finding got no fix.
type Reason string

const (
	NotMechanical Reason = "the fix needs a human choice"
	Elsewhere     Reason = "the value is written in another file, or in a way composeguard does not edit"
	Layout        Reason = "the value is laid out in a way composeguard does not edit (flow style, several lines)"
	Variable      Reason = "the value uses a variable"
	Unknown       Reason = "the finding is not among the project's findings"
	Invalid       Reason = "the fixed file does not load"
	Remains       Reason = "the finding remains after the fix"
	NewFinding    Reason = "the fix brings a new finding"
	Kept          Reason = "the fix would change a service that must stay as it is"
)

// Skip is a finding left without a fix, and why.
type Skip struct {
	Finding checks.Finding
	Reason  Reason
}

// Fixer computes verified edits for one loaded project. It is not safe for
// concurrent use.
type Fixer struct {
	ctx      context.Context
	project  *compose.Project
	opts     Options
	baseline []checks.Finding
	files    map[string]*file
}

// New prepares fixes for a project loaded with compose.Load. A project with
// no model gets no fix.
func New(ctx context.Context, p *compose.Project, opts Options) *Fixer {
	x := &Fixer{ctx: ctx, project: p, opts: opts, files: map[string]*file{}}
	if p.Model != nil {
		x.baseline = checks.Run(p, opts.Checks)
	}
	return x
}

// Findings are the project's findings as checks.Run reports them, the ones
// fixes are verified against.
func (x *Fixer) Findings() []checks.Finding { return x.baseline }

// Fix returns one edit of path, as small as it can be, that fixes what it
// can of findings, and the findings it leaves, with why. The edit is
// verified: applied to the snapshot, the project loads and checks exactly
// as the audit does, the fixed findings are gone and no other appeared.
// ok is false when nothing could be fixed.
func (x *Fixer) Fix(path string, findings []checks.Finding) (e Edit, skipped []Skip, ok bool) {
	f := x.file(path)
	if f == nil {
		return Edit{}, skipAll(findings, Elsewhere), false
	}
	hunks, fixed, skipped := x.solve(f, findings)
	if len(fixed) == 0 {
		return Edit{}, skipped, false
	}
	e = f.edit(hunks)
	e.Fixes = fixed
	return e, skipped, true
}

// Harden fixes every finding it can in path, service by service: each
// service's edit is verified alone, then all of them together. It returns
// the whole new file and its edits, one per group of touching lines.
func (x *Fixer) Harden(path string, findings []checks.Finding) (content []byte, edits []Edit, skipped []Skip) {
	f := x.file(path)
	if f == nil {
		return nil, nil, skipAll(findings, Elsewhere)
	}
	var parts [][]checks.Finding
	for _, g := range groupByService(findings) {
		_, fixed, sk := x.solve(f, g)
		skipped = append(skipped, sk...)
		if len(fixed) > 0 {
			parts = append(parts, fixed)
		}
	}
	kept, left := x.combine(f, parts)
	skipped = append(skipped, left...)
	var all []checks.Finding
	for _, p := range kept {
		all = append(all, p...)
	}
	hunks, _, _ := f.plan(x, all)
	edits = f.clusters(hunks, all)
	content, err := Apply(f.src.Content, edits...)
	if err != nil { // the planner never overlaps hunks; refuse rather than guess
		return f.src.Content, nil, append(skipped, skipAll(all, Layout)...)
	}
	return content, edits, skipped
}

// combine keeps the parts (each verified alone) whose fixes also verify
// together, adding them one at a time when all at once fail.
func (x *Fixer) combine(f *file, parts [][]checks.Finding) (kept [][]checks.Finding, skipped []Skip) {
	var all []checks.Finding
	for _, p := range parts {
		all = append(all, p...)
	}
	if x.check(f, all) == "" {
		return parts, nil
	}
	var sofar []checks.Finding
	for _, p := range parts {
		try := append(append([]checks.Finding(nil), sofar...), p...)
		if r := x.check(f, try); r != "" {
			skipped = append(skipped, skipAll(p, r)...)
			continue
		}
		sofar = try
		kept = append(kept, p)
	}
	return kept, skipped
}

// maxRetries bounds the findings retried one at a time when a set fails
// verification: each retry loads the project again, and a file may hold
// hundreds of findings of one kind (ports).
const maxRetries = 16

// solve plans the fixes of findings in f and keeps those that verify: all
// at once, else one finding at a time (the first maxRetries of them).
func (x *Fixer) solve(f *file, findings []checks.Finding) ([]hunk, []checks.Finding, []Skip) {
	var known []checks.Finding
	var skipped []Skip
	for _, fd := range findings {
		if x.inBaseline(fd) {
			known = append(known, fd)
		} else {
			skipped = append(skipped, Skip{fd, Unknown})
		}
	}
	hunks, planned, sk := f.plan(x, known)
	skipped = append(skipped, sk...)
	if len(planned) == 0 {
		return nil, nil, skipped
	}
	whole := x.verify(f, hunks, planned)
	if whole == "" {
		return hunks, planned, skipped
	}
	var kept []checks.Finding
	for i, fd := range planned {
		if i >= maxRetries {
			skipped = append(skipped, Skip{fd, whole})
			continue
		}
		try := append(append([]checks.Finding(nil), kept...), fd)
		if r := x.check(f, try); r != "" {
			skipped = append(skipped, Skip{fd, r})
			continue
		}
		kept = try
	}
	if len(kept) == 0 {
		return nil, nil, skipped
	}
	hunks, _, _ = f.plan(x, kept)
	return hunks, kept, skipped
}

// check plans and verifies a set of findings; "" when it holds.
func (x *Fixer) check(f *file, findings []checks.Finding) Reason {
	hunks, planned, sk := f.plan(x, findings)
	if len(sk) > 0 {
		return sk[0].Reason
	}
	return x.verify(f, hunks, planned)
}

// groupByService groups findings by the first service they name, in order
// of first appearance; findings about no service are each a group.
func groupByService(findings []checks.Finding) [][]checks.Finding {
	index := map[string]int{}
	var out [][]checks.Finding
	for _, f := range findings {
		name := f.Service
		if len(f.Services) > 0 {
			name = f.Services[0]
		}
		i, ok := index[name]
		if !ok || name == "" {
			i = len(out)
			index[name] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], f)
	}
	return out
}

func skipAll(findings []checks.Finding, r Reason) []Skip {
	out := make([]Skip, 0, len(findings))
	for _, f := range findings {
		out = append(out, Skip{f, r})
	}
	return out
}

// Rules lists the rules with a mechanical fix, sorted.
func Rules() []string {
	out := make([]string, 0, len(fixers))
	for id := range fixers {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Fixable reports whether findings of a rule may get a fix. Some of its
// findings may still need a human (a limit written as 0, a port bound
// through a variable): Fix says which.
func Fixable(rule string) bool { return fixers[rule] != nil }
