// Package audit is the audit engine: it audits one revision of a
// repository (a snapshot) under a policy, scores it, and compares the
// findings of a change's base and head. The pull request review, the image
// update pull requests and the audit command all use it.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
)

// Finding is a check's finding with its stable fingerprint.
type Finding struct {
	checks.Finding
	Fingerprint string
	// Exception is the exception that waives the finding, nil when it counts.
	Exception *policy.Exception
	project   string // main file of the project the finding was made in
}

// Report is the audit of one revision.
type Report struct {
	FilesAudited int
	Findings     []Finding // the findings that count, sorted by file and line
	Waived       []Finding // findings an exception covers
	Score        Score
	// Inline lists the `# composeguard:ignore` exceptions of the audited
	// files, used or not.
	Inline []policy.Exception
	// Images are the images the services run, by project and service.
	Images []ServiceImage
	units  []unit
}

// ServiceImage is the image a service runs, as Compose reads it. A
// reference built from a variable the repository does not set is left
// out: what it names is unknown.
type ServiceImage struct {
	Project string // the project's main file
	Service string
	Image   string
	Pos     compose.Position // where it is written
}

// Projects groups the compose files the policy selects in a snapshot into
// the projects Compose would load, with those the policy declares
// (compose.Group). The audit command and the pull request review both
// choose what to audit from it, so they group files alike.
func Projects(snap compose.Snapshot, pol *policy.Policy) compose.Grouping {
	var files []string
	for _, p := range snap.Paths() {
		if pol.Selects(p) {
			files = append(files, p)
		}
	}
	return compose.Group(snap, files, pol.Projects)
}

// Run audits every compose project of a snapshot under a policy.
// now decides which exceptions have expired.
func Run(ctx context.Context, snap compose.Snapshot, pol *policy.Policy, now time.Time) *Report {
	return RunProjects(ctx, snap, pol, Projects(snap, pol), now)
}

// RunProjects audits the projects of a grouping: all of Projects', or those
// a caller kept with Only. Once ctx is done it starts no other project and
// the report is partial: a caller with a deadline checks ctx.Err().
func RunProjects(ctx context.Context, snap compose.Snapshot, pol *policy.Policy, g compose.Grouping, now time.Time) *Report {
	// Inline exceptions add their problems to the policy: work on a copy, so
	// the caller's policy serves the next audit unchanged.
	cp := *pol
	cp.Problems = append([]checks.Finding(nil), pol.Problems...)
	pol = &cp
	audited := map[string]bool{}
	for _, plan := range g.Plans {
		for _, f := range plan.Files {
			audited[f] = true
		}
	}
	// Results stream back so that each project's parsed files are dropped
	// as soon as its inline exceptions are read: a large tree never holds
	// every file's YAML nodes at once.
	results := make(chan projectResult)
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if ctx.Err() == nil {
					res := auditProject(ctx, snap, g.Plans[i], pol)
					res.index = i
					results <- res
				}
			}
		}()
	}
	go func() {
	feed:
		for i := range g.Plans {
			select {
			case work <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		close(results)
	}()

	// Projects finish in any order; the report is built in the order of
	// the plans, so it is the same on any number of CPUs.
	done := make([]*projectResult, len(g.Plans))
	inlineOf := map[string][]policy.Exception{}
	for res := range results {
		for f, src := range res.sources {
			if _, ok := inlineOf[f]; !ok {
				inlineOf[f] = pol.Inline(src)
			}
		}
		res.files = sortedKeys(res.sources)
		res.sources = nil
		done[res.index] = &res
	}

	r := &Report{FilesAudited: len(audited)}
	var raw []Finding
	var inline []policy.Exception
	seenSource := map[string]bool{}
	seenUnit := map[unit]bool{}
	seenImage := map[ServiceImage]bool{}
	serviceLines := map[string]int{}
	for _, res := range done {
		if res == nil { // not started: the context was done
			continue
		}
		raw = append(raw, res.findings...)
		for _, u := range res.units {
			// Variants of one deployment share its services.
			if !seenUnit[u] {
				seenUnit[u] = true
				r.units = append(r.units, u)
			}
		}
		for _, f := range res.files {
			if !seenSource[f] {
				seenSource[f] = true
				inline = append(inline, inlineOf[f]...)
			}
		}
		for k, v := range res.serviceLines {
			serviceLines[k] = v
		}
		for _, img := range res.images {
			if !seenImage[img] {
				seenImage[img] = true
				r.Images = append(r.Images, img)
			}
		}
	}
	sortImages(r.Images)
	for _, pr := range g.Problems {
		f := problemFinding(pr)
		raw = append(raw, Finding{Finding: f, Fingerprint: Fingerprint(f)})
	}
	for _, f := range append(pol.Problems, definitionFindings(snap, g, audited)...) {
		raw = append(raw, Finding{Finding: f, Fingerprint: Fingerprint(f)})
	}
	r.classify(dedupe(raw), pol, inline, serviceLines, now)
	r.Inline = inline
	r.Score = score(r.Findings, r.units)
	return r
}

// definitionFindings reports what is wrong with how projects are defined:
// a glob of the policy's projects: that matches no file, and a policy file
// below the repository root in a folder of an audited file, which nothing
// reads.
func definitionFindings(snap compose.Snapshot, g compose.Grouping, audited map[string]bool) []checks.Finding {
	var out []checks.Finding
	for _, u := range g.Unmatched {
		out = append(out, ruleFinding(checks.PolicyInvalid, u.Spec.Pos,
			"projects: %q matches no file of the repository, so the project is not loaded as declared", u.Glob))
	}
	dirs := map[string]bool{}
	for f := range audited {
		for d := path.Dir(f); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for _, p := range snap.Paths() {
		if path.Base(p) == policy.FileName && dirs[path.Dir(p)] {
			out = append(out, ruleFinding(checks.PolicyNested, compose.Position{File: p, Line: 1, Column: 1},
				"only the %s at the repository root is read, by the audit command and the pull request review alike: this one changes nothing", policy.FileName))
		}
	}
	return out
}

func ruleFinding(id string, pos compose.Position, format string, args ...any) checks.Finding {
	rule := checks.Get(id)
	return checks.Finding{Rule: id, Severity: rule.Severity, Category: rule.Category, Pos: pos,
		Message: fmt.Sprintf(format, args...), Fix: rule.Fix}
}

// problemFinding turns a problem the loader found into a finding of its rule.
func problemFinding(pr compose.Problem) checks.Finding {
	f := ruleFinding(pr.Rule, pr.Pos, "%s", pr.Message)
	f.Service = pr.Service
	if pr.Service != "" {
		f.Services = []string{pr.Service}
	}
	return f
}

type projectResult struct {
	index        int // of its plan
	findings     []Finding
	units        []unit
	sources      map[string]*compose.Source
	files        []string       // the sources' names, kept once they are dropped
	serviceLines map[string]int // file + "\x00" + service → line of the service key
	images       []ServiceImage
}

func auditProject(ctx context.Context, snap compose.Snapshot, plan compose.Plan, pol *policy.Policy) projectResult {
	p := compose.Load(ctx, snap, plan.Files)
	res := projectResult{sources: p.Sources, serviceLines: map[string]int{}}
	var found []checks.Finding
	for _, pr := range p.Problems {
		found = append(found, problemFinding(pr))
	}
	switch {
	case p.Model == nil:
		// Nothing in it can be trusted: one unit that scores zero, so a
		// broken file cannot raise the score.
		res.units = []unit{{project: plan.Key, broken: true}}
	case len(p.Model.Services) == 0:
		res.units = []unit{{project: plan.Key}}
	default:
		for _, name := range slices.Sorted(maps.Keys(p.Model.Services)) {
			s := p.Model.Services[name]
			res.units = append(res.units, unit{project: plan.Key, service: name})
			pos := p.ServicePos(name)
			res.serviceLines[pos.File+"\x00"+name] = pos.Line
			if img, ok := serviceImage(p, plan.Key, name, s.Image); ok {
				res.images = append(res.images, img)
			}
		}
		found = append(found, checks.Run(p, pol.Options)...)
	}
	for _, f := range found {
		res.findings = append(res.findings, Finding{Finding: f, Fingerprint: Fingerprint(f), project: plan.Key})
	}
	return res
}

// serviceImage is the image of a service, unless it has none or a variable
// the repository does not set decides it.
func serviceImage(p *compose.Project, project, service, image string) (ServiceImage, bool) {
	if image == "" {
		return ServiceImage{}, false
	}
	pos := p.ServicePos(service)
	if l, ok := p.Locate(service, "image"); ok {
		if len(p.Unknown(l.Value)) > 0 {
			return ServiceImage{}, false
		}
		pos = l.Pos
	}
	return ServiceImage{Project: project, Service: service, Image: image, Pos: pos}, true
}

func sortImages(images []ServiceImage) {
	sort.Slice(images, func(i, j int) bool {
		a, b := images[i], images[j]
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return a.Image < b.Image
	})
}

// Fingerprint identifies a finding across commits: rule, file, services,
// key and message, but no line numbers.
func Fingerprint(f checks.Finding) string {
	services := f.Services
	if len(services) == 0 && f.Service != "" {
		services = []string{f.Service}
	}
	sorted := append([]string(nil), services...)
	sort.Strings(sorted)
	h := sha256.Sum256([]byte(strings.Join([]string{f.Rule, f.Pos.File, strings.Join(sorted, ","), f.KeyPath, f.Message}, "\x00")))
	return hex.EncodeToString(h[:8])
}

// dedupe drops findings reported twice at the same place, as when a file is
// audited on its own and as part of a project that includes it. Distinct
// findings that share a fingerprint (same rule, file, services, key and
// message at two places) get a position-ordered suffix so each stays
// addressable.
func dedupe(in []Finding) []Finding {
	type place struct {
		fp        string
		file      string
		line, col int
	}
	seen := map[place]bool{}
	out := make([]Finding, 0, len(in))
	for _, f := range in {
		k := place{f.Fingerprint, f.Pos.File, f.Pos.Line, f.Pos.Column}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	sortFindings(out)
	count := map[string]int{}
	for i := range out {
		fp := out[i].Fingerprint
		count[fp]++
		if n := count[fp]; n > 1 {
			out[i].Fingerprint = fmt.Sprintf("%s-%d", fp, n)
		}
	}
	return out
}

// classify applies severities and exceptions, and adds the findings about
// exceptions themselves.
func (r *Report) classify(all []Finding, pol *policy.Policy, inline []policy.Exception,
	serviceLines map[string]int, now time.Time) {
	exceptions := append(append([]policy.Exception(nil), pol.Exceptions...), inline...)
	today := now.Truncate(24 * time.Hour)
	for _, f := range all {
		if sev, ok := pol.Severity[f.Rule]; ok {
			if sev == policy.Off {
				continue
			}
			f.Severity = sev
		}
		waived := false
		for i := range exceptions {
			e := &exceptions[i]
			if !e.Matches(f.Finding) {
				continue
			}
			if e.Inline && !e.CoversLine(f.Pos.Line, serviceLines[f.Pos.File+"\x00"+f.Service]) {
				continue
			}
			if !today.After(e.Expires) {
				f.Exception = e
				waived = true
				break
			}
		}
		if waived {
			r.Waived = append(r.Waived, f)
		} else {
			r.Findings = append(r.Findings, f)
		}
	}
	for _, e := range exceptions {
		var extra checks.Finding
		switch {
		case today.After(e.Expires):
			extra = exceptionFinding(checks.ExceptionExpired, e, "exception for %s expired on %s: the finding counts again", e.Rule, e.Expires.Format("2006-01-02"))
		case e.Expires.Sub(today) <= policy.ExpiryWarning:
			extra = exceptionFinding(checks.ExceptionExpiring, e, "exception for %s expires on %s", e.Rule, e.Expires.Format("2006-01-02"))
		default:
			continue
		}
		if sev, ok := pol.Severity[extra.Rule]; ok {
			if sev == policy.Off {
				continue
			}
			extra.Severity = sev
		}
		r.Findings = append(r.Findings, Finding{Finding: extra, Fingerprint: Fingerprint(extra)})
	}
	sortFindings(r.Findings)
	sortFindings(r.Waived)
}

func exceptionFinding(id string, e policy.Exception, format string, args ...any) checks.Finding {
	f := ruleFinding(id, e.Pos, format, args...)
	f.KeyPath = "exceptions." + e.Rule + "." + e.Service
	return f
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i].Pos, fs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return fs[i].Rule < fs[j].Rule
	})
}

// Failing returns the findings at or above the threshold.
func (r *Report) Failing(threshold checks.Severity) []Finding {
	return atOrAbove(r.Findings, threshold)
}

func atOrAbove(findings []Finding, threshold checks.Severity) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.Severity >= threshold {
			out = append(out, f)
		}
	}
	return out
}

// MapPaths rewrites a report's file paths, as when several folders are
// audited together and each keeps the path the user typed.
func (r *Report) MapPaths(to func(string) string) {
	for _, list := range [][]Finding{r.Findings, r.Waived} {
		for i := range list {
			list[i].Pos.File = to(list[i].Pos.File)
			list[i].project = to(list[i].project)
		}
	}
	for i := range r.units {
		r.units[i].project = to(r.units[i].project)
	}
	for i := range r.Images {
		r.Images[i].Project, r.Images[i].Pos.File = to(r.Images[i].Project), to(r.Images[i].Pos.File)
	}
}

// Combine joins audits of several folders into one, scored as a whole. A
// finding at the same place with the same fingerprint in two audits (one
// policy file shared by both) is kept once.
func Combine(reports ...*Report) *Report {
	out := &Report{}
	type place struct {
		fingerprint string
		pos         compose.Position
	}
	seen := map[place]bool{}
	once := func(list []Finding, f Finding) []Finding {
		k := place{f.Fingerprint, f.Pos}
		if seen[k] {
			return list
		}
		seen[k] = true
		return append(list, f)
	}
	for _, r := range reports {
		out.FilesAudited += r.FilesAudited
		for _, f := range r.Findings {
			out.Findings = once(out.Findings, f)
		}
		for _, f := range r.Waived {
			out.Waived = once(out.Waived, f)
		}
		out.units = append(out.units, r.units...)
		out.Images = append(out.Images, r.Images...)
	}
	sortImages(out.Images)
	sortFindings(out.Findings)
	sortFindings(out.Waived)
	out.Score = score(out.Findings, out.units)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RefuseInline stops the inline exceptions that are not among known from
// waiving anything: a pull request that adds `# composeguard:ignore` must not
// waive its own findings. The findings they covered count again and the
// score is computed anew; the refused exceptions are returned.
func (r *Report) RefuseInline(known []policy.Exception) []policy.Exception {
	key := func(e policy.Exception) string {
		return strings.Join([]string{e.Rule, e.File, e.Reason, e.Expires.Format("2006-01-02")}, "\x00")
	}
	trusted := map[string]bool{}
	for _, e := range known {
		trusted[key(e)] = true
	}
	var refused []policy.Exception
	for _, e := range r.Inline {
		if !trusted[key(e)] {
			refused = append(refused, e)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	waived := r.Waived[:0:0]
	for _, f := range r.Waived {
		if f.Exception.Inline && !trusted[key(*f.Exception)] {
			f.Exception = nil
			r.Findings = append(r.Findings, f)
			continue
		}
		waived = append(waived, f)
	}
	r.Waived = waived
	sortFindings(r.Findings)
	r.Score = score(r.Findings, r.units)
	return refused
}
