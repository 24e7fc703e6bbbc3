package review

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/checks"
)

// comment is the new findings one inline comment carries: every finding of
// a service whose block the pull request adds, or those on one line.
type comment struct {
	file     string
	services []string // empty for findings about no service
	findings []audit.Finding
	// start..line are the lines the comment is placed on.
	start, line int
	// edit is the verified suggestion, nil for none.
	edit *fix.Edit
	// reason says why the comment is not posted inline, "" when it is.
	reason string
}

func (c *comment) severity() checks.Severity {
	s := checks.Info
	for _, f := range c.findings {
		s = max(s, f.Severity)
	}
	return s
}

func (c *comment) fingerprints() []string {
	out := make([]string, len(c.findings))
	for i, f := range c.findings {
		out[i] = f.Fingerprint
	}
	return out
}

// fixes reports whether the suggestion removes f.
func (c *comment) fixes(f audit.Finding) bool {
	return c.edit != nil && slices.ContainsFunc(c.edit.Fixes, func(g checks.Finding) bool { return sameFinding(g, f.Finding) })
}

// sameFinding compares findings as the fix engine does.
func sameFinding(a, b checks.Finding) bool {
	return a.Rule == b.Rule && a.Pos == b.Pos && a.Service == b.Service && a.KeyPath == b.KeyPath && a.Message == b.Message
}

// groupNew groups new findings into comments, in the order of findings
// (by file and line). A finding of one service whose key line the pull
// request adds joins that service's comment; the others share a comment
// with those on the same line about the same services.
func (res *result) groupNew(findings []audit.Finding) []*comment {
	var out []*comment
	index := map[string]*comment{}
	for _, f := range findings {
		services := f.Services
		if len(services) == 0 && f.Service != "" {
			services = []string{f.Service}
		}
		key := strings.Join([]string{f.Pos.File, strings.Join(services, ","), strconv.Itoa(f.Pos.Line)}, "\x00")
		if len(services) == 1 && res.onAddedLine(f) && res.serviceAdded(f.Pos.File, services[0]) {
			key = f.Pos.File + "\x00" + services[0]
		}
		c := index[key]
		if c == nil {
			c = &comment{file: f.Pos.File, services: services}
			index[key] = c
			out = append(out, c)
		}
		c.findings = append(c.findings, f)
	}
	for _, c := range out {
		c.start = c.findings[0].Pos.Line
		for _, f := range c.findings {
			c.start = min(c.start, f.Pos.Line)
		}
		c.line = c.start
	}
	return out
}

// placeable reports whether every finding of c lies on a line the pull
// request adds: the only lines composeguard comments on.
func (res *result) placeable(c *comment) bool {
	for _, f := range c.findings {
		if !res.onAddedLine(f) {
			return false
		}
	}
	return true
}

// serviceAdded reports whether the pull request adds the line that names
// service in file: the whole service block is its own.
func (res *result) serviceAdded(file, service string) bool {
	p := res.projects.of(file)
	if p == nil || p.Model == nil {
		return false
	}
	pos := p.ServicePos(service)
	return pos.File == file && res.added(file, pos.Line)
}

func (res *result) added(file string, line int) bool {
	c, ok := res.files[file]
	return ok && c.Status != "removed" && c.Added[line]
}

// suggest gives c one verified suggestion fixing what can be fixed of its
// findings, placed on lines the pull request adds. When the edit for all of
// them reaches other lines, the fixes that fit alone are tried together.
func (res *result) suggest(c *comment) {
	var fixable []checks.Finding
	for _, f := range c.findings {
		if fix.Fixable(f.Rule) {
			fixable = append(fixable, f.Finding)
		}
	}
	p := res.projects.of(c.file)
	if len(fixable) == 0 || p == nil || p.Model == nil {
		return
	}
	opts := fix.DefaultOptions()
	opts.Checks = res.pol.Options
	// The suggestion may change only the comment's own services.
	for name := range p.Model.Services {
		if !slices.Contains(c.services, name) {
			opts.Keep = append(opts.Keep, name)
		}
	}
	sort.Strings(opts.Keep)
	fixer := fix.New(res.projects.ctx, p, opts)
	fits := func(e fix.Edit) bool {
		for l := e.StartLine; l <= e.EndLine; l++ {
			if !res.added(c.file, l) {
				return false
			}
		}
		return true
	}
	e, _, ok := fixer.Fix(c.file, fixable)
	if ok && !fits(e) && len(fixable) > 1 {
		e, _, ok = fixer.Fix(c.file, largestFitting(fixer, c.file, fixable, fits))
	}
	if ok && fits(e) {
		c.edit, c.start, c.line = &e, e.StartLine, e.EndLine
	}
}

// largestFitting fixes each finding alone and returns the largest set whose
// edits fit and lie together: edits whose lines touch, joined only where
// the lines between them fit too.
func largestFitting(fixer *fix.Fixer, file string, findings []checks.Finding, fits func(fix.Edit) bool) []checks.Finding {
	type part struct {
		start, end int
		findings   []checks.Finding
	}
	var parts []part
	for _, f := range findings {
		if e, _, ok := fixer.Fix(file, []checks.Finding{f}); ok && fits(e) {
			parts = append(parts, part{e.StartLine, e.EndLine, []checks.Finding{f}})
		}
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].start < parts[j].start })
	var joined []part
	for _, p := range parts {
		if n := len(joined); n > 0 && p.start <= joined[n-1].end+1 &&
			fits(fix.Edit{StartLine: joined[n-1].start, EndLine: max(p.end, joined[n-1].end)}) {
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

// projects loads the head's compose projects on demand, once each, as the
// audit grouped the files.
type projects struct {
	ctx    context.Context
	snap   compose.Snapshot
	groups [][]string
	loaded map[string]*compose.Project // by main file
}

func newProjects(ctx context.Context, snap compose.Snapshot, files []string) *projects {
	return &projects{ctx: ctx, snap: snap, groups: compose.Group(files), loaded: map[string]*compose.Project{}}
}

// of returns the project holding file, nil when no audited project does.
func (ps *projects) of(file string) *compose.Project {
	if ps == nil {
		return nil
	}
	for _, g := range ps.groups {
		if !slices.Contains(g, file) {
			continue
		}
		if p, ok := ps.loaded[g[0]]; ok {
			return p
		}
		p := compose.Load(ps.ctx, ps.snap, g)
		ps.loaded[g[0]] = p
		return p
	}
	return nil
}

// annotations mark the head findings on lines the pull request adds, one
// annotation per line: the forge shows them in the changed files.
func (res *result) annotations() []forge.Annotation {
	isNew := audit.Fingerprints(res.cmp.New)
	type place struct {
		file string
		line int
	}
	var places []place
	at := map[place][]audit.Finding{}
	for _, f := range res.head.Findings {
		if !res.onAddedLine(f) {
			continue
		}
		k := place{f.Pos.File, f.Pos.Line}
		if at[k] == nil {
			places = append(places, k)
		}
		at[k] = append(at[k], f)
	}
	out := make([]forge.Annotation, 0, len(places))
	for _, k := range places {
		worst := checks.Info
		var titles, texts []string
		for _, f := range at[k] {
			worst = max(worst, f.Severity)
			title := f.Severity.String() + " · " + f.Rule
			if isNew[f.Fingerprint] {
				title = "new " + title
			}
			titles = append(titles, title)
			texts = append(texts, title+": "+f.Message+"\nFix: "+f.Fix)
		}
		title := titles[0]
		if len(titles) > 1 {
			title = fmt.Sprintf("%d problems: %s", len(titles), strings.Join(titles, ", "))
		}
		out = append(out, forge.Annotation{Path: k.file, StartLine: k.line, EndLine: k.line,
			Level: annotationLevel[worst], Title: title, Message: strings.Join(texts, "\n\n")})
	}
	return out
}

var annotationLevel = map[checks.Severity]string{
	checks.Critical: "failure", checks.High: "failure", checks.Medium: "warning", checks.Low: "notice", checks.Info: "notice",
}
