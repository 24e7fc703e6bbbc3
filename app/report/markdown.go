package report

import (
	"io"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/checks"
	"github.com/composeguard/composeguard/templates"
)

// Groups groups findings as the Markdown report shows them, in their order:
// those of one file about the same services (or about none) together.
func Groups(findings []audit.Finding) [][]audit.Finding {
	var out [][]audit.Finding
	index := map[string]int{}
	for _, f := range findings {
		k := f.Pos.File + "\x00" + strings.Join(f.Services, ",") + "\x00" + f.Service
		i, ok := index[k]
		if !ok {
			i, index[k] = len(out), len(out)
			out = append(out, nil)
		}
		out[i] = append(out[i], f)
	}
	return out
}

// Suggestions are verified edits, one per group of findings (Groups), by
// GroupKey.
type Suggestions map[string]fix.Edit

// GroupKey names a group of findings by its first one.
func GroupKey(group []audit.Finding) string { return group[0].Pos.File + "\x00" + group[0].Fingerprint }

// Suggest makes the suggestions of an audit with s, which must know the
// snapshot the audit read (before any MapPaths).
func Suggest(r *audit.Report, s *fix.Suggester) Suggestions {
	out := Suggestions{}
	for _, g := range Groups(r.Findings) {
		var findings []checks.Finding
		for _, f := range g {
			findings = append(findings, f.Finding)
		}
		services := g[0].Services
		if len(services) == 0 && g[0].Service != "" {
			services = []string{g[0].Service}
		}
		if e, ok := s.Suggest(g[0].Pos.File, services, findings, fix.Anywhere); ok {
			out[GroupKey(g)] = e
		}
	}
	return out
}

// MapPaths rewrites the files of the suggestions and of their keys, as
// audit.Report.MapPaths does for the findings.
func (s Suggestions) MapPaths(to func(string) string) Suggestions {
	out := Suggestions{}
	for k, e := range s {
		file, fp, _ := strings.Cut(k, "\x00")
		e.File = to(e.File)
		out[to(file)+"\x00"+fp] = e
	}
	return out
}

type groupView struct {
	File     string
	Services []string
	Findings []Finding
	Edit     *editView
}

type editView struct {
	File               string
	StartLine, EndLine int
	Text               string
	Fixes              int
}

// Markdown renders the audit template: findings grouped by file and
// service, each group with its suggestion when one is known.
func Markdown(w io.Writer, r *audit.Report, suggestions Suggestions) error {
	a := view(r)
	type score struct {
		Name  audit.Group
		Value float64
	}
	data := struct {
		Audit
		Groups  []groupView
		Scores  []score
		Overall float64
	}{Audit: a, Overall: r.Score.Overall}
	for _, g := range audit.Groups {
		data.Scores = append(data.Scores, score{g, r.Score.Of(g)})
	}
	for _, g := range Groups(r.Findings) {
		gv := groupView{File: g[0].Pos.File, Services: g[0].Services}
		for _, f := range g {
			gv.Findings = append(gv.Findings, viewFinding(f))
		}
		if e, ok := suggestions[GroupKey(g)]; ok {
			gv.Edit = &editView{File: e.File, StartLine: e.StartLine, EndLine: e.EndLine, Text: e.Text}
			for _, f := range g {
				if e.Covers(f.Finding) {
					gv.Edit.Fixes++
				}
			}
		}
		data.Groups = append(data.Groups, gv)
	}
	out, err := templates.Render("audit.md.tmpl", data)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, out)
	return err
}
