package review

import (
	"fmt"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
)

// GitHub's limit on a check run's summary and text, each
// (https://docs.github.com/en/rest/checks/runs#update-a-check-run).
const maxCheckOutput = 65535

// result is one review's verdict and what it rests on.
type result struct {
	req        forge.ReviewRequest
	baseSHA    string
	pol        *policy.Policy               // the base commit's
	files      map[string]forge.ChangedFile // by head path
	base, head *audit.Report                // nil when no compose file is affected
	cmp        audit.Comparison
	policy     *PolicyChange // nil when the policy file is untouched
	// requested are the inline exceptions the pull request adds; they wait
	// for the merge to apply.
	requested []policy.Exception
}

func (res *result) noCompose() bool { return res.head == nil }

// failing lists the findings that fail the check: new ones at or above the
// threshold.
func (res *result) failing() []audit.Finding {
	var out []audit.Finding
	for _, f := range res.cmp.New {
		if f.Severity >= res.pol.FailOn {
			out = append(out, f)
		}
	}
	return out
}

func (res *result) title() string {
	if res.noCompose() {
		return "No compose files changed"
	}
	problems := "No new problems"
	switch n := len(res.cmp.New); {
	case n == 1:
		problems = "1 new problem"
	case n > 1:
		problems = fmt.Sprintf("%d new problems", n)
	}
	return fmt.Sprintf("%s · score %.1f → %.1f", problems, res.cmp.Base.Overall, res.cmp.Head.Overall)
}

func (res *result) checkRun() (forge.CheckRun, error) {
	run := forge.CheckRun{Conclusion: forge.ConclusionSuccess, Title: res.title()}
	if len(res.failing()) > 0 {
		run.Conclusion = forge.ConclusionFailure
	}
	v := res.view(nil)
	var err error
	if run.Summary, err = v.render("check_run_summary.md.tmpl", maxCheckOutput); err != nil {
		return run, err
	}
	if res.noCompose() {
		return run, nil
	}
	if run.Text, err = v.render("check_run_text.md.tmpl", maxCheckOutput); err != nil {
		return run, err
	}
	run.Annotations = res.annotations()
	return run, nil
}

// annotations mark every head finding on a line inside the diff; the forge
// shows them in the changed files, where the summary cannot.
func (res *result) annotations() []forge.Annotation {
	var out []forge.Annotation
	isNew := audit.Fingerprints(res.cmp.New)
	for _, f := range res.head.Findings {
		if !res.inDiff(f, hunkLines) {
			continue
		}
		title := f.Severity.String() + " · " + f.Rule
		if isNew[f.Fingerprint] {
			title = "new " + title
		}
		out = append(out, forge.Annotation{Path: f.Pos.File, StartLine: f.Pos.Line, EndLine: f.Pos.Line,
			Level: annotationLevel[f.Severity], Title: title, Message: f.Message + "\n\nFix: " + f.Fix})
	}
	return out
}

var annotationLevel = map[checks.Severity]string{
	checks.Critical: "failure", checks.High: "failure", checks.Medium: "warning", checks.Low: "notice", checks.Info: "notice",
}

// inDiff reports whether a finding lies on one of the lines of its file that
// lines picks. Findings in the policy file never do: they come from the base
// commit's copy, whose lines the head may have moved.
func (res *result) inDiff(f audit.Finding, lines func(forge.ChangedFile) map[int]bool) bool {
	if f.Pos.File == policy.FileName || f.Pos.Line < 1 {
		return false
	}
	c, ok := res.files[f.Pos.File]
	return ok && c.Status != "removed" && lines(c)[f.Pos.Line]
}

func hunkLines(c forge.ChangedFile) map[int]bool  { return c.Lines }
func addedLines(c forge.ChangedFile) map[int]bool { return c.Added }
