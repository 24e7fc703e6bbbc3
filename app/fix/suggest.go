package fix

import (
	"context"
	"slices"
	"sort"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

// Suggester makes one suggestion per group of findings (a service's, or a
// line's) in the projects of a snapshot, loading each project once, on
// demand. The pull request review and the Markdown report use it. It is not
// safe for concurrent use.
type Suggester struct {
	ctx    context.Context
	snap   compose.Snapshot
	opts   Options
	plans  []compose.Plan
	loaded map[int]*compose.Project // by index in plans
}

// NewSuggester prepares suggestions for the projects of snap, grouped as
// the audit groups them (audit.Projects), checked with opts.
func NewSuggester(ctx context.Context, snap compose.Snapshot, projects compose.Grouping, opts checks.Options) *Suggester {
	o := DefaultOptions()
	o.Checks = opts
	return &Suggester{ctx: ctx, snap: snap, opts: o, plans: projects.Plans, loaded: map[int]*compose.Project{}}
}

// Project returns the loaded project holding file, nil when none does: a
// main file's own project rather than a variant with one more override.
func (s *Suggester) Project(file string) *compose.Project {
	i := slices.IndexFunc(s.plans, func(p compose.Plan) bool { return !p.Variant && slices.Contains(p.Files, file) })
	if i < 0 {
		i = slices.IndexFunc(s.plans, func(p compose.Plan) bool { return slices.Contains(p.Files, file) })
	}
	if i < 0 {
		return nil
	}
	if p, ok := s.loaded[i]; ok {
		return p
	}
	p := compose.Load(s.ctx, s.snap, s.plans[i].Files)
	s.loaded[i] = p
	return p
}

// Suggest returns one verified edit of file fixing what it can of findings
// (those of services, or of no service), changing no other service, and
// lying on lines fits accepts. When the edit for all of them does not fit,
// the fixes that fit alone and lie together are tried. ok is false when no
// edit fits.
func (s *Suggester) Suggest(file string, services []string, findings []checks.Finding, fits func(Edit) bool) (e Edit, ok bool) {
	var fixable []checks.Finding
	for _, f := range findings {
		if Fixable(f.Rule) {
			fixable = append(fixable, f)
		}
	}
	p := s.Project(file)
	if len(fixable) == 0 || p == nil || p.Model == nil {
		return Edit{}, false
	}
	opts := s.opts
	opts.Keep = nil
	for name := range p.Model.Services {
		if !slices.Contains(services, name) {
			opts.Keep = append(opts.Keep, name)
		}
	}
	sort.Strings(opts.Keep)
	x := New(s.ctx, p, opts)
	e, _, ok = x.Fix(file, fixable)
	if ok && !fits(e) && len(fixable) > 1 {
		e, _, ok = x.Fix(file, largestFitting(x, file, fixable, fits))
	}
	return e, ok && fits(e)
}

// largestFitting fixes each finding alone and returns the largest set whose
// edits fit and lie together: edits whose lines touch, joined only where
// the lines between them fit too.
func largestFitting(x *Fixer, file string, findings []checks.Finding, fits func(Edit) bool) []checks.Finding {
	type part struct {
		start, end int
		findings   []checks.Finding
	}
	var parts []part
	for _, f := range findings {
		if e, _, ok := x.Fix(file, []checks.Finding{f}); ok && fits(e) {
			parts = append(parts, part{e.StartLine, e.EndLine, []checks.Finding{f}})
		}
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].start < parts[j].start })
	var joined []part
	for _, p := range parts {
		if n := len(joined); n > 0 && p.start <= joined[n-1].end+1 &&
			fits(Edit{StartLine: joined[n-1].start, EndLine: max(p.end, joined[n-1].end)}) {
			last := &joined[n-1]
			last.end = max(last.end, p.end)
			last.findings = append(last.findings, p.findings...)
			continue
		}
		joined = append(joined, p)
	}
	var best []checks.Finding
	for _, p := range joined {
		if len(p.findings) > len(best) {
			best = p.findings
		}
	}
	return best
}

// Anywhere accepts every edit.
func Anywhere(Edit) bool { return true }

// Covers reports whether e removes f.
func (e Edit) Covers(f checks.Finding) bool { return containsFinding(e.Fixes, f) }
