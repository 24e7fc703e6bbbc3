package dashboard

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/checks"
	"github.com/composeguard/composeguard/templates"
)

const (
	// trendLength is how many runs the trend shows.
	trendLength = 10
	// maxRows caps each list of the body; templates.Fit cuts them further
	// when the body would not fit.
	maxRows = 50
	// maxLines is how many lines a row of findings names.
	maxLines = 5
	// expiringWithin is how far ahead exceptions running out are shown.
	expiringWithin = 30 * 24 * time.Hour
	// maxBody is GitHub's limit on an issue body (65,536 characters);
	// GitLab's is larger. A body within it is never cut by the client,
	// so the issue holds exactly what was rendered.
	maxBody = 65536
)

// skipRules are the loader's findings about a file no rule could run on.
var skipRules = map[string]bool{compose.RuleInvalid: true, compose.RuleOutside: true}

// input is what a dashboard shows.
type input struct {
	repo   forge.Repository
	policy *policy.Policy
	report *audit.Report
	trend  []jobs.ScorePoint // newest first: the score whenever it changed, now's first
	// waiting are the image updates without a pull request; nil when the
	// repository has no bump: section.
	waiting []pulls.Waiting
	now     time.Time
	// boxes: the server acts on ticked boxes.
	boxes bool
}

type view struct {
	Branch       string
	FilesAudited int
	FindingCount int
	Scores       []scoreRow
	Trend        []trendRow

	Findings     []findingRow
	FindingsMore int
	Harden       []hardenBox
	HardenMore   int

	ExpiringDays              int
	Expiring, Expired         []exceptionRow
	ExpiringMore, ExpiredMore int

	UpdatesShown bool
	Updates      []updateRow
	UpdatesMore  int

	Skipped     []skipRow
	SkippedMore int

	Marker string
}

type scoreRow struct {
	Name   string
	Now    float64
	Change string
}

type trendRow struct {
	When, Commit string
	Score        audit.Score
}

type findingRow struct {
	Severity, Rule, HelpURI, File string
	Count                         int
	Lines                         string
	rank                          checks.Severity
}

type hardenBox struct{ ID, File string }

// updateRow is an image update waiting, with its box when a person can
// open it now (ID set).
type updateRow struct {
	Title, Branch, Why string
	ID, Label          string
}

type exceptionRow struct{ Rule, Service, Where, Expires, Reason string }

type skipRow struct {
	File, Why string
	Line      int
}

// render writes the dashboard's body, its lists cut to fit the forge.
func render(in input) (string, error) {
	v := view{Branch: in.repo.DefaultBranch, FilesAudited: in.report.FilesAudited,
		ExpiringDays: int(expiringWithin / (24 * time.Hour))}
	v.Scores, v.Trend = scores(in)
	var skipped []skipRow
	var findings []audit.Finding
	for _, f := range in.report.Findings {
		if skipRules[f.Rule] {
			skipped = append(skipped, skipRow{File: f.Pos.File, Line: f.Pos.Line, Why: f.Message})
		} else {
			findings = append(findings, f)
		}
	}
	v.FindingCount = len(findings)
	rows := findingRows(findings)
	var harden []hardenBox
	if in.boxes {
		harden = hardenBoxes(in, findings, skipped)
	}
	expiring, expired := exceptions(in)
	v.UpdatesShown = in.policy.Bump.OptedIn && in.boxes
	updates := updateRows(in, len(harden))

	longest := max(len(rows), len(harden), len(expiring), len(expired), len(skipped), len(updates))
	return templates.Fit(maxBody, min(longest, maxRows), func(n int) (string, error) {
		cut := v
		cut.Findings, cut.FindingsMore = templates.Head(rows, n)
		cut.Harden, cut.HardenMore = templates.Head(harden, n)
		cut.Expiring, cut.ExpiringMore = templates.Head(expiring, n)
		cut.Expired, cut.ExpiredMore = templates.Head(expired, n)
		cut.Skipped, cut.SkippedMore = templates.Head(skipped, n)
		cut.Updates, cut.UpdatesMore = templates.Head(updates, n)
		m := marker{Boxes: map[string]box{}}
		for _, b := range cut.Harden {
			m.Boxes[b.ID] = box{Do: doHarden, File: b.File}
		}
		for _, u := range cut.Updates {
			if u.ID != "" {
				m.Boxes[u.ID] = box{Do: doOpen, Branch: u.Branch}
			}
		}
		cut.Marker = m.String()
		return templates.Render("dashboard_issue.md.tmpl", cut)
	})
}

// scores are the scores now with their last change, and the trend, newest
// first.
func scores(in input) ([]scoreRow, []trendRow) {
	var previous *audit.Score
	if len(in.trend) > 1 {
		previous = &in.trend[1].Score
	}
	now := in.report.Score
	var rows []scoreRow
	add := func(name string, of func(audit.Score) float64) {
		row := scoreRow{Name: name, Now: of(now), Change: "—"}
		if previous != nil {
			row.Change = change(of(*previous), of(now))
		}
		rows = append(rows, row)
	}
	for _, g := range audit.Groups {
		add(string(g), func(s audit.Score) float64 { return s.Of(g) })
	}
	add("**Overall**", func(s audit.Score) float64 { return s.Overall })
	var trend []trendRow
	for _, p := range in.trend {
		trend = append(trend, trendRow{When: p.At.UTC().Format("2006-01-02 15:04"), Commit: short(p.SHA), Score: p.Score})
	}
	return rows, trend
}

// change says how a score moved since the run before.
func change(before, after float64) string {
	d := after - before
	switch {
	case d >= 0.05:
		return fmt.Sprintf("▲ +%.1f", d)
	case d <= -0.05:
		return fmt.Sprintf("▼ −%.1f", -d)
	}
	return "="
}

// findingRows groups findings by rule and file, the most severe first.
func findingRows(findings []audit.Finding) []findingRow {
	type key struct{ rule, file string }
	byKey := map[key]*findingRow{}
	lines := map[key][]int{}
	var rows []*findingRow
	for _, f := range findings {
		k := key{f.Rule, f.Pos.File}
		row := byKey[k]
		if row == nil {
			row = &findingRow{Rule: f.Rule, File: f.Pos.File, rank: f.Severity}
			if r := checks.Get(f.Rule); r != nil {
				row.HelpURI = r.HelpURI()
			}
			byKey[k] = row
			rows = append(rows, row)
		}
		row.Count++
		row.rank = max(row.rank, f.Severity)
		if !slices.Contains(lines[k], f.Pos.Line) {
			lines[k] = append(lines[k], f.Pos.Line)
		}
	}
	out := make([]findingRow, 0, len(rows))
	for _, row := range rows {
		k := key{row.Rule, row.File}
		ls := lines[k]
		slices.Sort(ls)
		shown, more := templates.Head(ls, maxLines)
		var names []string
		for _, l := range shown {
			names = append(names, strconv.Itoa(l))
		}
		row.Lines = strings.Join(names, ", ")
		if more > 0 {
			row.Lines += fmt.Sprintf(" and %d more", more)
		}
		row.Severity = row.rank.String()
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b findingRow) int {
		return cmp.Or(cmp.Compare(b.rank, a.rank), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.File, b.File))
	})
	return out
}

// hardenBoxes offers a hardening pull request for each compose file with
// open findings, but those the loader could not read and files no policy
// pattern selects (a declared project's other files, the policy itself).
func hardenBoxes(in input, findings []audit.Finding, skipped []skipRow) []hardenBox {
	skip := map[string]bool{}
	for _, s := range skipped {
		skip[s.File] = true
	}
	var files []string
	for _, f := range findings {
		if p := f.Pos.File; p != "" && !skip[p] && in.policy.Selects(p) && !slices.Contains(files, p) {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	out := make([]hardenBox, len(files))
	for i, f := range files {
		out[i] = hardenBox{ID: "b" + strconv.Itoa(i+1), File: f}
	}
	return out
}

// updateRows are the image updates waiting, their boxes numbered after
// the first boxes ones: a person can open one the schedule holds back,
// or retry one a pull request limit held back.
func updateRows(in input, first int) []updateRow {
	var out []updateRow
	n := first
	for _, w := range in.waiting {
		row := updateRow{Title: w.Title, Branch: w.Branch, Why: w.Why}
		switch {
		case w.Schedule:
			row.Label = "open this update now despite the schedule:"
		case w.Limited:
			row.Label = "retry this update now:"
		}
		if row.Label != "" {
			n++
			row.ID = "b" + strconv.Itoa(n)
		}
		out = append(out, row)
	}
	return out
}

// exceptions are those expiring within expiringWithin and those expired,
// of the policy file and inline, soonest first.
func exceptions(in input) (expiring, expired []exceptionRow) {
	today := in.now.UTC().Truncate(24 * time.Hour)
	all := append(slices.Clone(in.policy.Exceptions), in.report.Inline...)
	slices.SortStableFunc(all, func(a, b policy.Exception) int {
		return cmp.Or(a.Expires.Compare(b.Expires), cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line))
	})
	for _, e := range all {
		if e.Expires.IsZero() {
			continue
		}
		row := exceptionRow{Rule: e.Rule, Service: e.Service, Where: fmt.Sprintf("%s:%d", e.Pos.File, e.Pos.Line),
			Expires: e.Expires.Format("2006-01-02"), Reason: e.Reason}
		switch {
		case today.After(e.Expires):
			expired = append(expired, row)
		case e.Expires.Sub(today) <= expiringWithin:
			expiring = append(expiring, row)
		}
	}
	return expiring, expired
}

func short(sha string) string { return sha[:min(len(sha), 7)] }
