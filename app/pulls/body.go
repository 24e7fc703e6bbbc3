package pulls

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/templates"
)

type bodyView struct {
	Images   []string
	Rows     []row
	Notes    []note
	Scores   []scoreRow
	Overall  scoreRow
	Versions []string // what closing declines: "postgres 16.4-alpine"
	Branch   string
	Base     string
	Marker   string
}

type row struct {
	File                  string
	Line                  int
	Services              []string
	Image, From, To, Type string
}

type note struct{ Image, Version, URL string }

type scoreRow struct {
	Name          string
	Before, After float64
}

// body renders the pull request's description: the table of changes, the
// release notes, the audit score before and after, and what the user can
// do. The marker comes first, so truncating a huge body keeps it.
func (w *repoRun) body(ctx context.Context, p *proposal, after audit.Score) (string, error) {
	before := w.scoreBefore(ctx)
	v := bodyView{
		Images:  p.images(),
		Branch:  p.branch,
		Base:    w.repo.DefaultBranch,
		Marker:  p.marker(w.base.SHA).String(),
		Overall: scoreRow{"Overall", before.Overall, after.Overall},
	}
	for _, g := range audit.Groups {
		v.Scores = append(v.Scores, scoreRow{string(g), before.Of(g), after.Of(g)})
	}
	for _, u := range p.updates {
		for _, place := range u.Places {
			v.Rows = append(v.Rows, row{File: place.Tag.File, Line: place.Tag.Line, Services: place.Services(),
				Image: u.Image, From: show(u.From), To: show(u.To), Type: string(u.Type)})
		}
		v.Versions = append(v.Versions, u.Image+" "+showDeclined(u))
		if n, ok := w.releaseNotes(ctx, u); ok {
			v.Notes = append(v.Notes, n)
		}
	}
	v.Versions = compact(v.Versions)
	return templates.Render("bump_pr.md.tmpl", v)
}

// releaseNotes links the source the image names in its
// org.opencontainers.image.source label: the releases page of a GitHub
// repository, else the source itself. A registry that cannot say gives no
// link, never a failure.
func (w *repoRun) releaseNotes(ctx context.Context, u bump.Update) (note, bool) {
	src, err := w.registry.SourceURL(ctx, u.Repository, u.To.Tag)
	if err != nil || src == "" {
		return note{}, false
	}
	link, err := url.Parse(src)
	if err != nil || link.Scheme != "https" && link.Scheme != "http" {
		return note{}, false
	}
	text := link.Host + strings.TrimSuffix(link.Path, ".git")
	if link.Host == "github.com" && strings.Count(strings.Trim(link.Path, "/"), "/") == 1 {
		return note{u.Image, u.To.Tag, fmt.Sprintf("[%s releases](https://%s/releases)", text, text)}, true
	}
	return note{u.Image, u.To.Tag, fmt.Sprintf("[%s](%s)", text, link.String())}, true
}

// commitMessage is the title, the changes, and the trailer that marks the
// commit as composeguard's.
func commitMessage(p *proposal) string {
	var b strings.Builder
	b.WriteString(p.title() + "\n\n")
	for _, u := range p.updates {
		for _, place := range u.Places {
			fmt.Fprintf(&b, "- %s:%d %s %s → %s\n", place.Tag.File, place.Tag.Line, u.Image, show(u.From), show(u.To))
		}
	}
	b.WriteString("\n" + trailer + p.branch + "\n")
	return b.String()
}

// showDeclined is what closing declines, as the body names it.
func showDeclined(u bump.Update) string {
	if u.From.Tag == u.To.Tag {
		return show(u.To)
	}
	return u.To.Tag
}

func compact(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// scoreBefore audits the base head once per repository.
func (w *repoRun) scoreBefore(ctx context.Context) audit.Score {
	if w.before == nil {
		s := audit.Run(ctx, w.snap, w.policy, w.now).Score
		w.before = &s
	}
	return *w.before
}

// scoreWith audits the base head with the edits applied.
func (w *repoRun) scoreWith(ctx context.Context, edits map[string][]byte) audit.Score {
	return audit.Run(ctx, compose.Overlay{Snapshot: w.snap, Files: edits}, w.policy, w.now).Score
}
