package pulls

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/templates"
)

type bodyView struct {
	Images  []string
	Rows    []row
	Notes   []note
	Scores  []scoreRow
	Overall scoreRow
	// Vulns compares the vulnerabilities before and after each update,
	// when a scanner is configured.
	Vulns    []vulnChange
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

// note is a release notes link: Text shows where URL goes, and nothing
// else.
type note struct{ Image, Version, Text, URL string }

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
	v.Vulns = w.vulnChanges(ctx, p)
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
	place, ok := sourcePlace(src)
	if !ok {
		return note{}, false
	}
	text, link := place, "https://"+place
	if segments := strings.Split(place, "/"); segments[0] == "github.com" && len(segments) == 3 {
		text, link = place+" releases", link+"/releases"
	}
	return note{u.Image, u.To.Tag, text, link}, true
}

var (
	hostName    = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]([a-z0-9-]*[a-z0-9])?$`) // a DNS name, not an address
	pathSegment = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// sourcePlace reduces an image's source label, text the image publisher
// wrote, to "host/path" when it is a plain https URL: a DNS name, no user,
// port or escapes, path segments of letters, digits, ".", "_" and "-". The
// link is rebuilt from that place alone and shows it, so what a reader sees
// is where the link goes; query and fragment are dropped, and so is ".git".
func sourcePlace(src string) (string, bool) {
	u, err := url.Parse(src)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" || u.RawPath != "" || u.Opaque != "" {
		return "", false
	}
	host := strings.ToLower(u.Host)
	if !hostName.MatchString(host) {
		return "", false
	}
	place := host
	path := strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	if path == "" {
		return place, true
	}
	for segment := range strings.SplitSeq(path, "/") {
		if !pathSegment.MatchString(segment) || strings.Trim(segment, ".") == "" {
			return "", false
		}
		place += "/" + segment
	}
	return place, true
}

// commitMessage is the title and the changes; the session adds the
// trailer that marks the commit as composeguard's.
func commitMessage(p *proposal) string {
	var b strings.Builder
	b.WriteString(p.title() + "\n\n")
	for _, u := range p.updates {
		for _, place := range u.Places {
			fmt.Fprintf(&b, "- %s:%d %s %s → %s\n", place.Tag.File, place.Tag.Line, u.Image, show(u.From), show(u.To))
		}
	}
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
