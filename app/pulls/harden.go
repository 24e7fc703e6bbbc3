package pulls

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/harden"
	"github.com/composeguard/composeguard/app/registry"
	"github.com/composeguard/composeguard/templates"
)

// hardenTrailer starts the last line of every hardening commit.
const hardenTrailer = "Composeguard-Harden: "

// hardenMarkerStart begins the hidden marker of a hardening pull request,
// which records the file, the base, the file's content before and after,
// and the changes; closing one without merging declines those changes.
const hardenMarkerStart = "<!-- composeguard:harden "

// HardenBranch names the branch of a compose file's hardening pull
// request: composeguard/harden-<path>, the path made safe as Branch makes
// image names (stacks/app/compose.yaml → composeguard/harden-stacks-app-compose.yaml).
func HardenBranch(file string) string { return BranchPrefix + "harden-" + slug(file) }

type hardenMarker struct {
	File   string `json:"file"`
	Base   string `json:"base"`
	Source string `json:"source"` // sha256 of the file on the base
	Result string `json:"result"` // sha256 of the file proposed
	// Changes are "service rule line" ("pin" for a tag pinned alone),
	// sorted: what closing declines.
	Changes []string `json:"changes"`
}

func readHardenMarker(body string) (hardenMarker, bool) {
	var m hardenMarker
	return m, readMarkerAs(body, hardenMarkerStart, &m)
}

// hardening reports a hardening pull request, which the image update flow
// leaves to this one.
func hardening(p forge.Pull) bool {
	_, ok := readHardenMarker(p.Body)
	return ok
}

func hardenMarkerOf(f harden.File, base string) hardenMarker {
	m := hardenMarker{File: f.Path, Base: base, Source: digest(f.Before), Result: digest(f.After), Changes: []string{}}
	for _, s := range f.Services {
		for _, c := range s.Changes {
			m.Changes = append(m.Changes, fmt.Sprintf("%s %s %d", s.Name, cmp.Or(c.Rule, "pin"), c.Line))
		}
	}
	slices.Sort(m.Changes)
	return m
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// declines reports whether closing the pull request of m declined want:
// the same file as it was then, and nothing proposed now that m did not.
func (m hardenMarker) declines(want hardenMarker) bool {
	return m.File == want.File && m.Source == want.Source &&
		!slices.ContainsFunc(want.Changes, func(c string) bool { return !slices.Contains(m.Changes, c) })
}

// Harden opens, refreshes or leaves the pull request that hardens one
// compose file of a repository (a repository path), the change
// `composeguard harden --write` makes: every mechanical fix, tags pinned
// to digests looked up as the scheduled updates look them up (the
// repository's registry credentials only), services an exception covers
// untouched, verified by auditing the result. The branch is HardenBranch
// (file), committed as the update branches are and rebuilt from the base
// when it moves; the pull request is edited in place. A person closing it
// declines those changes while the file stays as it is; one opened or
// pushed to by someone else is left alone; one with nothing left to do is
// closed with a comment. The policy's pull request limits do not apply:
// a person asks for each.
func (r *Runner) Harden(ctx context.Context, repo forge.Repository, file string) (Outcome, error) {
	o := Outcome{Branch: HardenBranch(file)}
	s, skipped, err := r.start(ctx, repo, hardenTrailer)
	if s == nil {
		o.Action, o.Detail = Failed, skipped
		return o, err
	}
	if t, ok := s.snap.(interface{ Truncated() bool }); ok && t.Truncated() {
		o.Action, o.Detail = Failed, "the repository's file listing was truncated, so the files "+file+" is loaded with may be missing"
		return o, nil
	}
	pulls, err := r.opts.Forge.PullsFrom(ctx, repo.Repo, o.Branch)
	if err != nil {
		return o, err
	}
	var current *forge.Pull
	for i, pr := range pulls {
		if !pr.Open {
			continue
		}
		if m, ok := readHardenMarker(pr.Body); !s.ours(pr) || !ok || m.File != file {
			o.Action, o.Number, o.Detail = LeftAlone, pr.Number, "the branch has another pull request, opened by "+pr.Author
			return o, nil
		}
		if current == nil {
			current = &pulls[i]
		}
	}
	h := &hardenRun{session: s, file: file, branch: o.Branch}
	if !s.paths[file] {
		return h.unneeded(ctx, current, "no longer exists")
	}
	var reg bump.Registry
	if r.opts.NewRegistry != nil {
		regs, err := r.opts.NewRegistry()
		if err != nil {
			return o, fmt.Errorf("registry client: %w", err)
		}
		reg = regs.For(registry.ScopeName(repo.Repo))
	}
	res, err := harden.Files(ctx, s.snap, s.policy, []string{file}, harden.Options{Registry: reg, Now: s.now})
	if serr := forge.SnapshotErr(s.snap); serr != nil {
		return o, serr
	}
	switch {
	case err != nil && retry(err):
		return o, err
	case err != nil:
		o.Action, o.Detail = Failed, err.Error()
		return o, nil
	case res.Files[0].Unchanged != "":
		o.Action, o.Detail = Failed, res.Files[0].Unchanged
		return o, nil
	case res.Changes() == 0:
		return h.unneeded(ctx, current, "has nothing left to harden")
	}
	return h.propose(ctx, res, pulls, current)
}

// hardenRun is the hardening of one file in one repository.
type hardenRun struct {
	*session
	file, branch string
}

// unneeded closes the open pull request, saying the file why, or says
// there is nothing to do.
func (h *hardenRun) unneeded(ctx context.Context, current *forge.Pull, why string) (Outcome, error) {
	if current == nil {
		return Outcome{Branch: h.branch, Action: Clean, Detail: h.file + " " + why}, nil
	}
	return h.closeWith(ctx, *current, "harden_closed.md.tmpl", struct{ File, Base, Why string }{h.file, h.repo.DefaultBranch, why})
}

func (h *hardenRun) propose(ctx context.Context, res *harden.Result, pulls []forge.Pull, current *forge.Pull) (Outcome, error) {
	o := Outcome{Branch: h.branch}
	f := res.Files[0]
	want := hardenMarkerOf(f, h.base.SHA)
	if current == nil {
		for _, pr := range pulls {
			m, ok := readHardenMarker(pr.Body)
			if ok && !pr.Open && !pr.Merged && h.ours(pr) && !strings.HasSuffix(pr.Title, autoclosed) && m.declines(want) {
				o.Action, o.Number, o.Detail = Ignored, pr.Number, "closed without merging: "+h.file+" is as it was then"
				return o, nil
			}
		}
	} else if got, ok := readHardenMarker(current.Body); ok {
		o.Number = current.Number
		if got.Base == want.Base && got.Result == want.Result {
			o.Action = Current
			return o, nil
		}
		if image := unknownPin(f); image != "" {
			// The rebuild would drop the pin the registry could not give.
			o.Action, o.Detail = Kept, "the registry did not answer for "+image+"; not rebuilt"
			return o, nil
		}
	}
	body, err := h.body(res, want)
	if err != nil {
		return o, err
	}
	change := pending{branch: h.branch, title: h.title(), body: body, message: h.message(f), files: res.Changed(), labels: h.opts.HardenLabels}
	if current != nil {
		return h.rebuild(ctx, change, *current)
	}
	return h.openPull(ctx, change)
}

// unknownPin is a tag the registry could not pin this time, "" when none.
func unknownPin(f harden.File) string {
	for _, s := range f.Services {
		for _, l := range s.Left {
			if l.Unknown {
				return l.Problem
			}
		}
	}
	return ""
}

func (h *hardenRun) title() string { return templates.Plain("Harden " + h.file) }

// message is the commit's: the title, then each service's changes.
func (h *hardenRun) message(f harden.File) string {
	var b strings.Builder
	b.WriteString(h.title() + "\n\n")
	for _, s := range f.Services {
		var done []string
		for _, c := range s.Changes {
			done = append(done, c.Done)
		}
		if len(done) > 0 {
			fmt.Fprintf(&b, "- %s: %s\n", cmp.Or(s.Name, "the file"), strings.Join(compact(done), "; "))
		}
	}
	return templates.Plain(b.String())
}

// maxPullBody is GitHub's limit on a pull request's body (65,536
// characters); GitLab's is larger.
const maxPullBody = 65536

type hardenView struct {
	Marker, File, Base, Branch string
	Count                      int // changes
	Services                   []string
	Scores                     []scoreRow
	Overall                    scoreRow
	Offline                    bool
	Changes                    []hardenRow
	Left                       []hardenRow
	Kept                       []keptRow
	ChangesMore, LeftMore      int
	KeptMore                   int
	LeftCount                  int
}

// hardenRow is a change (Done) or a problem left (Why, and the rule's
// advice in Fix).
type hardenRow struct {
	Service, Rule, Problem string
	Line                   int
	Done, Why, Fix         string
}

type keptRow struct{ Service, Rule, Expires, Where, Reason string }

func (h *hardenRun) body(res *harden.Result, m hardenMarker) (string, error) {
	f := res.Files[0]
	v := hardenView{Marker: writeMarker(hardenMarkerStart, m), File: h.file, Base: h.repo.DefaultBranch, Branch: h.branch,
		Count: f.Changes(), Offline: res.Offline, Overall: scoreRow{"Overall", res.Before.Overall, res.After.Overall}}
	for _, g := range audit.Groups {
		v.Scores = append(v.Scores, scoreRow{string(g), res.Before.Of(g), res.After.Of(g)})
	}
	for _, s := range f.Services {
		if len(s.Changes) > 0 && s.Name != "" {
			v.Services = append(v.Services, s.Name)
		}
		for _, c := range s.Changes {
			v.Changes = append(v.Changes, hardenRow{Service: s.Name, Rule: c.Rule, Problem: c.Problem, Line: c.Line, Done: c.Done})
		}
		for _, l := range s.Left {
			v.Left = append(v.Left, hardenRow{Service: s.Name, Rule: l.Rule, Problem: l.Problem, Line: l.Line, Why: l.Why, Fix: l.Fix})
		}
	}
	v.LeftCount = len(v.Left)
	for _, k := range f.Kept {
		e := k.Exception
		v.Kept = append(v.Kept, keptRow{k.Service, e.Rule, e.Expires.Format("2006-01-02"), fmt.Sprintf("%s:%d", e.Pos.File, e.Pos.Line), e.Reason})
	}
	longest := max(len(v.Changes), len(v.Left), len(v.Kept))
	return templates.Fit(maxPullBody, longest, func(n int) (string, error) {
		cut := v
		cut.Changes, cut.ChangesMore = templates.Head(v.Changes, n)
		cut.Left, cut.LeftMore = templates.Head(v.Left, n)
		cut.Kept, cut.KeptMore = templates.Head(v.Kept, n)
		return templates.Render("harden_pr.md.tmpl", cut)
	})
}
