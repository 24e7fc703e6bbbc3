package review

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/checks"
	"github.com/composeguard/composeguard/templates"
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
func (c *comment) fixes(f audit.Finding) bool { return c.edit != nil && c.edit.Covers(f.Finding) }

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
	p := res.suggester.Project(file)
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
// findings, on lines the pull request adds.
func (res *result) suggest(c *comment) {
	var findings []checks.Finding
	for _, f := range c.findings {
		findings = append(findings, f.Finding)
	}
	fits := func(e fix.Edit) bool {
		for l := e.StartLine; l <= e.EndLine; l++ {
			if !res.added(c.file, l) {
				return false
			}
		}
		return true
	}
	if e, ok := res.suggester.Suggest(c.file, c.services, findings, fits); ok {
		c.edit, c.start, c.line = &e, e.StartLine, e.EndLine
	}
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
			Level: annotationLevel[worst], Title: templates.Plain(title), Message: templates.Plain(strings.Join(texts, "\n\n"))})
	}
	return out
}

var annotationLevel = map[checks.Severity]string{
	checks.Critical: "failure", checks.High: "failure", checks.Medium: "warning", checks.Low: "notice", checks.Info: "notice",
}
