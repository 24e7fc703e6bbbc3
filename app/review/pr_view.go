package review

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pages"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
	"github.com/composeguard/composeguard/templates"
)

// reviewView is what the check run and summary templates receive.
type reviewView struct {
	HeadSHA, BaseSHA     string
	NoCompose            bool
	FilesAudited         int
	New, Existing, Fixed int
	Failing              int // findings that fail the check
	FailOn               string
	Scores               []scoreRow
	Overall              scoreRow
	NewGroups            []groupView // new findings, as the comments group them
	NewMore              int
	ExistingRules        []ruleView // existing findings by rule
	ExistingMore         int
	FixedFindings        []findingView
	FixedMore            int
	// FixedThreads are composeguard's comments whose findings are all
	// fixed but whose threads the forge could not resolve.
	FixedThreads     []threadView
	FixedThreadsMore int
	Exceptions       []exceptionView
	ExceptionsMore   int
	Requested        []exceptionView // inline exceptions the change adds, not applied to it
	RequestedMore    int
	Policy           *policyView
	// Images are those the pull request adds or changes, with their
	// vulnerabilities (the summary comment's alone).
	Images     []imageView
	ImagesMore int
	Marker     string
	// Incomplete is what could not be reviewed; the rest is then empty.
	Incomplete []unreviewed
	// Listed of Changed files the forge listed, when it listed fewer.
	Listed, Changed int
}

// scoreRow and exceptionView are what the report page shows too.
type scoreRow = pages.Score

type findingView struct {
	Severity, Rule, HelpURI, Why string
	File                         string
	Line                         int
	URL                          string // the line at its commit on the forge
	Services                     []string
	Message, Fix                 string
	Fingerprint                  string
	New                          bool
	Reason                       string // why a new finding has no inline comment
	Fixed                        bool   // the comment's suggestion removes it
	Elsewhere                    bool   // not on the lines of its comment
}

// groupView is a group of new findings: those of one inline comment.
type groupView struct {
	File     string
	Services []string
	Findings []findingView
}

// ruleView is the existing findings of one rule and severity.
type ruleView struct {
	Rule, HelpURI, Fix string
	Severity           checks.Severity
	Count              int
	Services           []string
	Places             []placeView
}

type placeView struct {
	File     string
	Line     int
	Services []string
}

type threadView struct {
	File     string
	Line     int
	Findings int
}

// commentView is what review_comment.md.tmpl receives.
type commentView struct {
	File       string
	Services   []string
	Count      int
	Counts     string // per severity, most severe first
	FixedCount int    // findings the suggestion removes
	Findings   []findingView
	Suggestion string
	HasEdit    bool
	Markers    []string
}

func viewComment(c *comment, link func(file string, line int) string, rules string) commentView {
	v := commentView{File: c.file, Services: c.services, Count: len(c.findings)}
	perSeverity := map[checks.Severity]int{}
	for _, f := range c.findings {
		fv := viewFinding(f, true, link, rules)
		fv.Fixed = c.fixes(f)
		fv.Elsewhere = f.Pos.Line < c.start || f.Pos.Line > c.line
		if fv.Fixed {
			v.FixedCount++
		}
		perSeverity[f.Severity]++
		v.Findings = append(v.Findings, fv)
		v.Markers = append(v.Markers, fingerprintMarker(f.Fingerprint))
	}
	var counts []string
	for s := checks.Critical; s >= checks.Info; s-- {
		if n := perSeverity[s]; n > 0 {
			counts = append(counts, strconv.Itoa(n)+" "+s.String())
		}
	}
	v.Counts = strings.Join(counts, ", ")
	if c.edit != nil {
		v.HasEdit, v.Suggestion = true, c.edit.Text
	}
	return v
}

type exceptionView = pages.Exception

type policyView struct {
	Weakens         bool
	RulesOff        []string
	Lowered         []severityChangeView
	FailOn          *severityChangeView
	ExceptionsAdded []exceptionView
	ExceptionsMore  int
	ExcludeAdded    []string
	IncludeRemoved  []string
	OptionsChanged  []OptionChange
}

type severityChangeView struct{ Rule, From, To string }

// view gathers what the templates show; reasons say why new findings have
// no inline comment, by fingerprint (nil for the check run, which does not
// say).
func (res *result) view(reasons map[string]string) reviewView {
	v := reviewView{HeadSHA: shortSHA(res.req.HeadSHA), BaseSHA: shortSHA(res.baseSHA), NoCompose: res.noCompose(),
		FailOn: SeverityName(res.pol.FailOn), Marker: summaryMarker, Failing: len(res.failing()), Incomplete: res.incomplete}
	if res.changedFiles > res.listed {
		v.Listed, v.Changed = res.listed, res.changedFiles
	}
	if res.policy != nil {
		v.Policy = viewPolicy(*res.policy)
	}
	if res.noCompose() {
		return v
	}
	v.FilesAudited = res.head.FilesAudited
	v.New, v.Existing, v.Fixed = len(res.cmp.New), len(res.cmp.Existing), len(res.cmp.Fixed)
	for _, g := range audit.Groups {
		v.Scores = append(v.Scores, scoreRow{Name: string(g), Base: res.cmp.Base.Of(g), Head: res.cmp.Head.Of(g)})
	}
	v.Overall = scoreRow{Name: "Overall", Base: res.cmp.Base.Overall, Head: res.cmp.Head.Overall}
	atHead := func(file string, line int) string {
		return res.links.FileURL(res.req.Repo, res.req.HeadSHA, file, line)
	}
	atBase := func(file string, line int) string { return res.links.FileURL(res.req.Repo, res.baseSHA, file, line) }
	for _, c := range res.groupNew(res.cmp.New) {
		g := groupView{File: c.file, Services: c.services}
		for _, f := range c.findings {
			fv := viewFinding(f, true, atHead, res.rules)
			fv.Reason = reasons[f.Fingerprint]
			g.Findings = append(g.Findings, fv)
		}
		v.NewGroups = append(v.NewGroups, g)
	}
	v.ExistingRules = byRule(res.cmp.Existing, res.rules)
	for _, f := range res.cmp.Fixed {
		v.FixedFindings = append(v.FixedFindings, viewFinding(f, false, atBase, res.rules))
	}
	v.Exceptions = exceptionsInUse(res.head.Waived)
	for _, e := range res.requested {
		v.Requested = append(v.Requested, viewException(e))
	}
	v.Images = viewImages(res.images, atHead)
	return v
}

// viewFinding shows a finding, its rule linked as rules with the rule's id
// appended.
func viewFinding(f audit.Finding, isNew bool, link func(file string, line int) string, rules string) findingView {
	v := findingView{Severity: f.Severity.String(), Rule: f.Rule, File: f.Pos.File, Line: f.Pos.Line,
		URL: link(f.Pos.File, f.Pos.Line), Services: f.Services, Message: f.Message, Fix: f.Fix,
		Fingerprint: f.Fingerprint, New: isNew}
	if r := checks.Get(f.Rule); r != nil {
		v.HelpURI, v.Why = rules+r.ID, r.Why
	}
	return v
}

// byRule groups findings by rule and severity, the most severe first.
func byRule(findings []audit.Finding, rules string) []ruleView {
	var out []ruleView
	index := map[string]int{}
	for _, f := range findings {
		k := f.Rule + "\x00" + f.Severity.String()
		i, ok := index[k]
		if !ok {
			i, index[k] = len(out), len(out)
			rv := ruleView{Rule: f.Rule, Severity: f.Severity, Fix: f.Fix}
			if r := checks.Get(f.Rule); r != nil {
				rv.HelpURI = rules + r.ID
			}
			out = append(out, rv)
		}
		rv := &out[i]
		rv.Count++
		rv.Places = append(rv.Places, placeView{f.Pos.File, f.Pos.Line, f.Services})
		for _, s := range f.Services {
			if !slices.Contains(rv.Services, s) {
				rv.Services = append(rv.Services, s)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity > out[j].Severity })
	return out
}

func viewOpenThreads(open []forge.Comment) []threadView {
	var out []threadView
	for _, c := range open {
		out = append(out, threadView{File: c.Path, Line: c.Line, Findings: len(markedFingerprints(c.Body))})
	}
	return out
}

// exceptionsInUse lists the exceptions that waive head findings, once each;
// all of them are the base's (see audit.Report.RefuseInline).
func exceptionsInUse(head []audit.Finding) []exceptionView {
	key := func(e *policy.Exception) string {
		return strings.Join([]string{e.Rule, e.Service, e.File, e.Reason, e.Expires.String()}, "\x00")
	}
	var out []exceptionView
	index := map[string]int{}
	for _, f := range head {
		k := key(f.Exception)
		i, ok := index[k]
		if !ok {
			i, index[k] = len(out), len(out)
			out = append(out, viewException(*f.Exception))
		}
		out[i].Waived++
		for _, s := range f.Services {
			if !slices.Contains(out[i].Services, s) {
				out[i].Services = append(out[i].Services, s)
			}
		}
	}
	return out
}

func viewException(e policy.Exception) exceptionView {
	return exceptionView{Rule: e.Rule, Service: e.Service, File: e.File,
		Where: e.Pos.File + ":" + strconv.Itoa(e.Pos.Line), Reason: e.Reason, Expires: e.Expires.Format("2006-01-02")}
}

func viewPolicy(c PolicyChange) *policyView {
	v := &policyView{Weakens: c.Weakens(), RulesOff: c.RulesOff, ExcludeAdded: c.ExcludeAdded,
		IncludeRemoved: c.IncludeRemoved, OptionsChanged: c.OptionsChanged}
	for _, l := range c.Lowered {
		v.Lowered = append(v.Lowered, severityChangeView{l.Rule, SeverityName(l.From), SeverityName(l.To)})
	}
	if c.FailOn != nil {
		v.FailOn = &severityChangeView{"", SeverityName(c.FailOn.From), SeverityName(c.FailOn.To)}
	}
	for _, e := range c.ExceptionsAdded {
		v.ExceptionsAdded = append(v.ExceptionsAdded, viewException(e))
	}
	return v
}

// cut keeps at most n items of every list, counting the rest. It must be
// called on a view whose lists are whole.
func (v reviewView) cut(n int) reviewView {
	v.NewGroups, v.NewMore = templates.Head(v.NewGroups, n)
	v.ExistingRules, v.ExistingMore = templates.Head(v.ExistingRules, n)
	v.FixedFindings, v.FixedMore = templates.Head(v.FixedFindings, n)
	v.FixedThreads, v.FixedThreadsMore = templates.Head(v.FixedThreads, n)
	v.Exceptions, v.ExceptionsMore = templates.Head(v.Exceptions, n)
	v.Requested, v.RequestedMore = templates.Head(v.Requested, n)
	v.Images, v.ImagesMore = templates.Head(v.Images, n)
	v.Images = slices.Clone(v.Images)
	for i := range v.Images {
		img := &v.Images[i]
		var cut int
		img.Vulns, cut = templates.Head(img.Vulns, n)
		img.VulnsMore += cut
	}
	if v.Policy != nil {
		p := *v.Policy
		p.ExceptionsAdded, p.ExceptionsMore = templates.Head(p.ExceptionsAdded, n)
		v.Policy = &p
	}
	return v
}

func (v reviewView) longest() int {
	n := max(len(v.NewGroups), len(v.ExistingRules), len(v.FixedFindings), len(v.FixedThreads), len(v.Exceptions), len(v.Requested), len(v.Images))
	for _, img := range v.Images {
		n = max(n, len(img.Vulns))
	}
	if v.Policy != nil {
		n = max(n, len(v.Policy.ExceptionsAdded))
	}
	return n
}

// render renders a template within limit bytes (a forge counts characters,
// which are never more): when the whole view is too long, every list is cut
// to the longest length that fits and says how many it left out.
func (v reviewView) render(name string, limit int) (string, error) {
	return templates.Fit(limit, v.longest(), func(n int) (string, error) { return templates.Render(name, v.cut(n)) })
}
