package review

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/composeguard/composeguard/app/audit"
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
	Findings             []findingView // new first, then existing
	FindingsMore         int
	FixedFindings        []findingView
	FixedMore            int
	Exceptions           []exceptionView
	ExceptionsMore       int
	Requested            []exceptionView // inline exceptions the change adds, not applied to it
	RequestedMore        int
	Policy               *policyView
	NotInline            []findingView // new findings without an inline comment
	NotInlineMore        int
	Marker               string
}

type scoreRow struct {
	Name       string
	Base, Head float64
}

type findingView struct {
	Severity, Rule, HelpURI, Why string
	File                         string
	Line                         int
	Services                     []string
	Message, Fix, Suggestion     string
	Fingerprint                  string
	New                          bool
	Reason                       string // why a new finding has no inline comment
}

// Fence is a code fence longer than any backtick run in the suggestion.
func (v findingView) Fence() string {
	fence := "```"
	for strings.Contains(v.Suggestion, fence) {
		fence += "`"
	}
	return fence
}

type exceptionView struct {
	Rule, Service, File    string // Service is the exception's glob
	Where, Reason, Expires string
	Waived                 int      // findings it waives at head
	Services               []string // the services of those findings
}

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

// view gathers what the templates show; notInline are the new findings
// that got no inline comment.
func (res *result) view(notInline []findingView) reviewView {
	v := reviewView{HeadSHA: shortSHA(res.req.HeadSHA), BaseSHA: shortSHA(res.baseSHA), NoCompose: res.noCompose(),
		FailOn: SeverityName(res.pol.FailOn), NotInline: notInline,
		Marker: summaryMarker, Failing: len(res.failing())}
	if res.policy != nil {
		v.Policy = viewPolicy(*res.policy)
	}
	if res.noCompose() {
		return v
	}
	v.FilesAudited = res.head.FilesAudited
	v.New, v.Existing, v.Fixed = len(res.cmp.New), len(res.cmp.Existing), len(res.cmp.Fixed)
	for _, g := range audit.Groups {
		v.Scores = append(v.Scores, scoreRow{string(g), res.cmp.Base.Of(g), res.cmp.Head.Of(g)})
	}
	v.Overall = scoreRow{"Overall", res.cmp.Base.Overall, res.cmp.Head.Overall}
	for _, f := range res.cmp.New {
		v.Findings = append(v.Findings, viewFinding(f, true))
	}
	for _, f := range res.cmp.Existing {
		v.Findings = append(v.Findings, viewFinding(f, false))
	}
	for _, f := range res.cmp.Fixed {
		v.FixedFindings = append(v.FixedFindings, viewFinding(f, false))
	}
	v.Exceptions = exceptionsInUse(res.head.Waived)
	for _, e := range res.requested {
		v.Requested = append(v.Requested, viewException(e))
	}
	return v
}

func viewFinding(f audit.Finding, isNew bool) findingView {
	v := findingView{Severity: f.Severity.String(), Rule: f.Rule, File: f.Pos.File, Line: f.Pos.Line,
		Services: f.Services, Message: f.Message, Fix: f.Fix, Suggestion: f.Suggestion,
		Fingerprint: f.Fingerprint, New: isNew}
	if r := checks.Get(f.Rule); r != nil {
		v.HelpURI, v.Why = r.HelpURI(), r.Why
	}
	return v
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
	v.Findings, v.FindingsMore = first(v.Findings, n)
	v.FixedFindings, v.FixedMore = first(v.FixedFindings, n)
	v.Exceptions, v.ExceptionsMore = first(v.Exceptions, n)
	v.Requested, v.RequestedMore = first(v.Requested, n)
	v.NotInline, v.NotInlineMore = first(v.NotInline, n)
	if v.Policy != nil {
		p := *v.Policy
		p.ExceptionsAdded, p.ExceptionsMore = first(p.ExceptionsAdded, n)
		v.Policy = &p
	}
	return v
}

func first[T any](list []T, n int) ([]T, int) {
	if len(list) <= n {
		return list, 0
	}
	return list[:n], len(list) - n
}

func (v reviewView) longest() int {
	n := max(len(v.Findings), len(v.FixedFindings), len(v.Exceptions), len(v.Requested), len(v.NotInline))
	if v.Policy != nil {
		n = max(n, len(v.Policy.ExceptionsAdded))
	}
	return n
}

// render renders a template within limit bytes (a forge counts characters,
// which are never more): when the whole view is too long, every list is cut
// to the longest length that fits and says how many it left out.
func (v reviewView) render(name string, limit int) (string, error) {
	return fit(limit, v.longest(), func(n int) (string, error) { return templates.Render(name, v.cut(n)) })
}

// fit finds the largest n in [0, longest] whose rendering fits in limit.
// Should even n = 0 not fit, the text is cut and says so.
func fit(limit, longest int, render func(n int) (string, error)) (string, error) {
	out, err := render(longest)
	if err != nil || len(out) <= limit {
		return out, err
	}
	best, err := render(0)
	if err != nil {
		return "", err
	}
	if len(best) > limit {
		return truncate(best, limit), nil
	}
	lo, hi := 0, longest // render(lo) fits, render(hi) does not
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		out, err := render(mid)
		if err != nil {
			return "", err
		}
		if len(out) <= limit {
			lo, best = mid, out
		} else {
			hi = mid
		}
	}
	return best, nil
}

const truncated = "\n\n…(cut: the forge allows no more)"

func truncate(s string, limit int) string {
	end := max(limit-len(truncated), 0)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + truncated
}
