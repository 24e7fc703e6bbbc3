// Package harden is the hardening engine: it applies every mechanical fix
// to a compose file at once (app/fix) and pins its tags to digests with the
// bump engine's byte-exact edits (app/bump), never touching a service an
// exception covers, then audits the result with the same loader and rules
// as the audit (app/audit) and refuses it if anything got worse. The
// `composeguard harden` command and the hardening pull requests (app/pulls)
// use it.
package harden

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
	"go.yaml.in/yaml/v3"
)

// Options configure a hardening.
type Options struct {
	// Registry gives the digests tags are pinned to; nil pins nothing
	// (offline).
	Registry bump.Registry
	// Now decides which exceptions have expired.
	Now time.Time
}

// Result is the hardening of some compose files of one repository.
type Result struct {
	Files []File
	// Before and After score the projects holding the files.
	Before, After audit.Score
	// Offline: no registry was asked, so no tag was pinned.
	Offline bool
}

// Changed returns the new content of each file hardening changed.
func (r *Result) Changed() map[string][]byte {
	out := map[string][]byte{}
	for _, f := range r.Files {
		if !bytes.Equal(f.Before, f.After) {
			out[f.Path] = f.After
		}
	}
	return out
}

// Changes counts the changes of every file.
func (r *Result) Changes() int {
	n := 0
	for _, f := range r.Files {
		n += f.Changes()
	}
	return n
}

// File is the hardening of one compose file.
type File struct {
	Path          string
	Before, After []byte
	// Services are the file's services with something changed or left, in
	// the order the file writes them; "" holds what is about no service
	// (a top-level key) and comes first.
	Services []Service
	// Kept are the file's services left alone because an exception
	// covers them.
	Kept []Kept
	// Unchanged says why the whole file was left as it is, "" when it
	// was not.
	Unchanged string
}

// Changes counts the file's changes.
func (f File) Changes() int {
	n := 0
	for _, s := range f.Services {
		n += len(s.Changes)
	}
	return n
}

// Service is what hardening did and left in one service.
type Service struct {
	Name    string
	Changes []Change
	Left    []Left
}

// Change is one problem fixed, or one tag pinned.
type Change struct {
	Rule    string // "" for a tag pinned to its digest
	Line    int    // in the file before
	Problem string // the finding's message, or the image pinned
	Done    string // what hardening wrote
}

// Left is a problem hardening leaves to a person, and why.
type Left struct {
	Rule    string // "" for a tag it could not pin
	Line    int
	Problem string
	Why     string
	// Fix is the rule's advice (composeguard's Markdown), "" for a tag.
	Fix string
	// Unknown: the registry could not say the tag's digest, so it may
	// well be pinned another time.
	Unknown bool
}

// Kept is a service left alone because an exception covers it.
type Kept struct {
	Service   string
	Exception policy.Exception
}

// Files hardens paths (repository-relative compose files of snap that pol
// selects, in that order, each on top of the ones before) under pol; a
// caller hardening a file the policy does not select names it
// (policy.Naming), as the audit command does with a file typed. The result loads and
// audits with no finding that was not there before, else Files returns an
// error and nothing to write. A path that is not a compose file of snap is
// an error; one Compose cannot load is left Unchanged.
func Files(ctx context.Context, snap compose.Snapshot, pol *policy.Policy, paths []string, opts Options) (*Result, error) {
	projects := audit.Projects(snap, pol).Only(func(pl compose.Plan) bool {
		return slices.ContainsFunc(pl.Files, func(f string) bool { return slices.Contains(paths, f) })
	})
	for _, p := range paths {
		if mainPlan(projects, p) == nil {
			return nil, fmt.Errorf("%s: not a compose file the policy selects", p)
		}
	}
	before := audit.RunProjects(ctx, snap, pol, projects, opts.Now)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	h := &hardening{ctx: ctx, pol: pol, opts: opts, before: before, projects: projects,
		cur: compose.Overlay{Snapshot: snap, Files: map[string][]byte{}}}
	res := &Result{Before: before.Score, Offline: opts.Registry == nil}
	for _, p := range paths {
		f, err := h.file(p)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(f.Before, f.After) {
			h.cur.Files[p] = f.After
		}
		res.Files = append(res.Files, f)
	}
	after := audit.RunProjects(ctx, h.cur, pol, projects, opts.Now)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if worse := regressions(before, after); len(worse) > 0 {
		return nil, fmt.Errorf("the hardened files would bring findings they did not have, so nothing was changed: %s", strings.Join(worse, "; "))
	}
	res.After = after.Score
	return res, nil
}

// hardening is one run of Files.
type hardening struct {
	ctx      context.Context
	pol      *policy.Policy
	opts     Options
	before   *audit.Report
	projects compose.Grouping
	cur      compose.Overlay // the snapshot with the files hardened so far
}

// mainPlan is the project holding file: its own rather than a variant
// with one more override, as the review's suggestions choose.
func mainPlan(g compose.Grouping, file string) *compose.Plan {
	var found *compose.Plan
	for i, p := range g.Plans {
		if slices.Contains(p.Files, file) && (found == nil || found.Variant && !p.Variant) {
			found = &g.Plans[i]
		}
	}
	return found
}

func (h *hardening) file(path string) (File, error) {
	content, err := h.cur.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	f := File{Path: path, Before: content, After: content}
	plan := mainPlan(h.projects, path)
	p := compose.Load(h.ctx, h.cur, plan.Files)
	if p.Model == nil {
		f.Unchanged = "Compose cannot load it, so no change could be verified; the audit says why"
		return f, nil
	}
	kept := h.kept(p)
	for _, name := range slices.Sorted(maps.Keys(kept)) {
		if name != "" && p.ServicePos(name).File == path {
			f.Kept = append(f.Kept, Kept{name, kept[name]})
		}
	}
	services := map[string]*Service{}
	at := func(name string) *Service {
		if services[name] == nil {
			services[name] = &Service{Name: name}
		}
		return services[name]
	}
	pinned := h.pin(p, plan.Files, path, kept, at)
	f.After = pinned
	if !bytes.Equal(pinned, content) {
		p = compose.Load(h.ctx, compose.Overlay{Snapshot: h.cur, Files: map[string][]byte{path: pinned}}, plan.Files)
		if p.Model == nil { // bump.Apply loaded it already: this cannot happen
			return f, fmt.Errorf("%s: does not load once pinned", path)
		}
	}
	opts := fixOptions(h.pol, kept)
	x := fix.New(h.ctx, p, opts)
	chosen := h.choose(x.Findings(), path, kept, at)
	hardened, edits, skipped := x.Harden(path, chosen)
	if hardened != nil {
		f.After = hardened
	}
	for _, e := range edits {
		for _, fd := range e.Fixes {
			s := at(serviceOf(fd))
			s.Changes = append(s.Changes, Change{Rule: fd.Rule, Line: fd.Pos.Line, Problem: fd.Message, Done: opts.Describe(fd.Rule)})
		}
	}
	for _, sk := range skipped {
		fd := sk.Finding
		s := at(serviceOf(fd))
		s.Left = append(s.Left, Left{Rule: fd.Rule, Line: fd.Pos.Line, Problem: fd.Message, Why: string(sk.Reason), Fix: fd.Fix})
	}
	f.Services = ordered(p, services)
	return f, nil
}

// fixOptions are the fixes' options under the policy: its rule options
// and harden: limits, and the services to keep.
func fixOptions(pol *policy.Policy, kept map[string]policy.Exception) fix.Options {
	o := fix.DefaultOptions()
	o.Checks = pol.Options
	if pol.Harden.Memory != "" {
		o.Memory = pol.Harden.Memory
	}
	if pol.Harden.CPUs != "" {
		o.CPUs = pol.Harden.CPUs
	}
	if pol.Harden.Pids != 0 {
		o.Pids = pol.Harden.Pids
	}
	for name := range kept {
		if name != "" {
			o.Keep = append(o.Keep, name)
		}
	}
	sort.Strings(o.Keep)
	return o
}

// Why hardening leaves some fixable findings to a person.
const (
	directPort      = "the reverse proxy does not carry this port for the service, so its clients may need it on the network (DNS, mail, a service the proxy does not route); bind it to 127.0.0.1 or one interface by hand if they do not"
	externalNetwork = "an external network must be created first (docker network create) on every host that runs the stack, or the stack no longer starts"
)

// choose picks the findings of path hardening fixes, and records as left
// those it will not try: rules with no mechanical fix, ports the reverse
// proxy does not carry (port-bound-all-interfaces without
// port-bypasses-reverse-proxy at the same place), the proxy network. Findings the policy turned off, and
// those of kept services, are neither.
func (h *hardening) choose(findings []checks.Finding, path string, kept map[string]policy.Exception, at func(string) *Service) []checks.Finding {
	proxied := map[compose.Position]bool{}
	for _, fd := range findings {
		if fd.Rule == "port-bypasses-reverse-proxy" {
			proxied[fd.Pos] = true
		}
	}
	var out []checks.Finding
	for _, fd := range findings {
		why := ""
		switch {
		case fd.Pos.File != path || h.pol.Severity[fd.Rule] == policy.Off || keptAny(services(fd), kept):
			continue
		case !fix.Fixable(fd.Rule):
			why = string(fix.NotMechanical)
		case fd.Rule == "port-bound-all-interfaces" && !proxied[fd.Pos]:
			why = directPort
		case fd.Rule == "proxy-network-not-external":
			why = externalNetwork
		default:
			out = append(out, fd)
			continue
		}
		l := Left{Rule: fd.Rule, Line: fd.Pos.Line, Problem: fd.Message, Why: why}
		if why == string(fix.NotMechanical) { // the rule's advice is the person's
			l.Fix = fd.Fix
		}
		s := at(serviceOf(fd))
		s.Left = append(s.Left, l)
	}
	return out
}

// pin pins the tags path writes for the services it may touch, and returns
// the file's content with them; unchanged offline.
func (h *hardening) pin(p *compose.Project, files []string, path string, kept map[string]policy.Exception, at func(string) *Service) []byte {
	content := p.Sources[path].Content
	if h.opts.Registry == nil {
		return content
	}
	var refs []bump.Reference
	for _, r := range bump.Extract(h.cur, files).References {
		switch {
		case r.File != path || r.Image.Digest != "" || len(r.Services) == 0 || keptAny(r.Services, kept):
		case r.Tag.File != path:
			s := at(r.Services[0])
			s.Left = append(s.Left, Left{Line: r.Line, Problem: notPinned(r.Text),
				Why: fmt.Sprintf("its tag is written in %s, and hardening changes %s only", r.Tag.File, path)})
		default:
			refs = append(refs, r)
		}
	}
	plan := bump.PlanPins(h.ctx, h.opts.Registry, refs, h.pol.Bump)
	for _, sk := range plan.Skipped {
		s := at(sk.Services[0])
		s.Left = append(s.Left, Left{Line: sk.Line, Problem: notPinned(sk.Image), Why: sk.Reason, Unknown: sk.Unknown})
	}
	if len(plan.Updates) == 0 {
		return content
	}
	changed, err := bump.Apply(h.ctx, h.cur, files, plan.Updates)
	for _, u := range plan.Updates {
		for _, place := range u.Places {
			r := place.References[0]
			s := at(r.Services[0])
			if err != nil {
				s.Left = append(s.Left, Left{Line: r.Line, Problem: notPinned(r.Text), Why: err.Error()})
				continue
			}
			c := Change{Line: r.Line, Problem: notPinned(r.Text), Done: "pins " + r.Text + " to its digest " + shortDigest(u.To.Digest)}
			if fd, ok := h.imageFinding(path, r); ok {
				c.Rule, c.Problem = fd.Rule, fd.Message
			}
			s.Changes = append(s.Changes, c)
		}
	}
	if err != nil || changed[path] == nil {
		return content
	}
	return changed[path]
}

// imageFinding is the finding a pin fixes: the audit's about the image of
// a reference (a moving tag, or no digest where the policy asks for one).
func (h *hardening) imageFinding(path string, r bump.Reference) (checks.Finding, bool) {
	for _, f := range h.before.Findings {
		if f.Pos.File == path && f.Pos.Line == r.Line && f.KeyPath == "image" && slices.Contains(r.Services, f.Service) {
			return f.Finding, true
		}
	}
	return checks.Finding{}, false
}

func notPinned(image string) string { return image + " is not pinned to a digest" }

// shortDigest is sha256: and the digest's first 12 hex digits, as Docker
// shortens image IDs.
func shortDigest(d string) string {
	algo, hex, _ := strings.Cut(d, ":")
	return algo + ":" + hex[:min(12, len(hex))]
}

// kept maps each service of the project an exception covers to the first
// such exception: a finding it waives, a policy exception naming it (any
// rule), or an inline exception on it or inside it, unexpired. "" stands
// for findings about no service when an exception waives one.
func (h *hardening) kept(p *compose.Project) map[string]policy.Exception {
	out := map[string]policy.Exception{}
	add := func(name string, e policy.Exception) {
		if _, ok := out[name]; !ok {
			out[name] = e
		}
	}
	for _, f := range h.before.Waived {
		for _, s := range services(f.Finding) {
			add(s, *f.Exception)
		}
	}
	today := h.opts.Now.Truncate(24 * time.Hour)
	for _, name := range slices.Sorted(maps.Keys(p.Model.Services)) {
		pos := p.ServicePos(name)
		for _, e := range h.pol.Exceptions {
			if !today.After(e.Expires) && compose.Glob(e.Service).MatchString(name) &&
				(e.File == "" || e.File == pos.File || compose.Glob(e.File).MatchString(pos.File)) {
				add(name, e)
			}
		}
		src := p.Sources[pos.File]
		for _, e := range h.before.Inline {
			if !today.After(e.Expires) && src != nil && e.File == pos.File && inService(e, src, name) {
				add(name, e)
			}
		}
	}
	return out
}

// inService reports whether an inline exception sits on a service, just
// above it, or anywhere inside it.
func inService(e policy.Exception, src *compose.Source, name string) bool {
	k, v := src.Service(name)
	if k == nil {
		return false
	}
	return e.CoversLine(k.Line, k.Line) || e.Pos.Line > k.Line && e.Pos.Line <= lastLine(v)
}

// lastLine is the last line a node's own text starts on (aliases are not
// followed).
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	return last
}

func keptAny(names []string, kept map[string]policy.Exception) bool {
	return slices.ContainsFunc(names, func(s string) bool { _, ok := kept[s]; return ok })
}

// services are the services a finding is about; [""] for none.
func services(f checks.Finding) []string {
	if len(f.Services) > 0 {
		return f.Services
	}
	return []string{f.Service}
}

func serviceOf(f checks.Finding) string { return services(f)[0] }

// ordered lists the services with something to say, "" first, then in the
// order the project names them.
func ordered(p *compose.Project, m map[string]*Service) []Service {
	names := slices.Collect(maps.Keys(m))
	line := func(name string) int {
		if name == "" {
			return 0
		}
		return p.ServicePos(name).Line
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := line(a) - line(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	out := make([]Service, 0, len(names))
	for _, n := range names {
		s := m[n]
		sortByLine(s.Changes, func(c Change) int { return c.Line })
		sortByLine(s.Left, func(l Left) int { return l.Line })
		out = append(out, *s)
	}
	return out
}

func sortByLine[T any](list []T, line func(T) int) {
	slices.SortStableFunc(list, func(a, b T) int { return line(a) - line(b) })
}

// identity is what the final check compares findings by, as app/fix's
// verification does: rule, service and key, not the line or message.
type identity struct{ rule, service, key string }

// regressions lists, as "file:line rule: message", the findings of after
// beyond what before had of their rule, service and key, waived ones
// included.
func regressions(before, after *audit.Report) []string {
	all := func(r *audit.Report) []audit.Finding { return append(slices.Clone(r.Findings), r.Waived...) }
	left := map[identity]int{}
	for _, f := range all(before) {
		for _, s := range services(f.Finding) {
			left[identity{f.Rule, s, f.KeyPath}]++
		}
	}
	var out []string
	for _, f := range all(after) {
		grew := false
		for _, s := range services(f.Finding) {
			id := identity{f.Rule, s, f.KeyPath}
			left[id]--
			grew = grew || left[id] < 0
		}
		if grew {
			out = append(out, fmt.Sprintf("%s:%d %s: %s", f.Pos.File, f.Pos.Line, f.Rule, f.Message))
		}
	}
	return out
}
