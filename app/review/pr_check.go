package review

import (
	"fmt"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
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
	suggester  *fix.Suggester // suggestions in the head's projects
	links      forge.Links    // to the files at a commit
	rules      string         // a rule's id appended links its documentation
	headFiles  compose.Snapshot
	policy     *PolicyChange // nil when the policy file is untouched
	// requested are the inline exceptions the pull request adds; they wait
	// for the merge to apply.
	requested []policy.Exception
	// listed is how many changed files the forge listed, changedFiles how
	// many it says there are (0: it does not say).
	listed, changedFiles int
	// incomplete is what could not be reviewed: the check fails and says
	// so, and nothing else is posted.
	incomplete []unreviewed
	// images are those the pull request adds or changes, with their
	// vulnerabilities, when a scanner is configured.
	images []*changedImage
}

// unreviewed is a part of a pull request composeguard could not review: a
// file (Path) or a commit's listing (Commit). Why is composeguard's own
// text, and says how to proceed.
type unreviewed struct {
	Path, Commit string
	Why          string
}

var (
	whyTruncated = "the forge listed only part of its files (GitHub cuts a tree listing past 100,000 entries or 7 MB, and composeguard reads " +
		"50,000 entries of a GitLab tree), " +
		"so which files this pull request changes cannot be told. Review the change in smaller pull requests against a smaller base, " +
		"or audit the branch with `composeguard audit` and have an administrator merge past the check."
	whyTooLarge = fmt.Sprintf("is larger than %d MB, the most composeguard reads of a file, so the projects that read it could not be reviewed. "+
		"Keep compose files and the files they read under %d MB.", compose.MaxFileSize>>20, compose.MaxFileSize>>20)
)

func (res *result) noCompose() bool { return res.head == nil }

// failing lists the findings that fail the check.
func (res *result) failing() []audit.Finding {
	return res.cmp.Failing(res.pol.FailOn)
}

func (res *result) title() string {
	if len(res.incomplete) > 0 {
		return "composeguard could not review everything"
	}
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
	if len(res.failing()) > 0 || len(res.incomplete) > 0 {
		run.Conclusion = forge.ConclusionFailure
	}
	v := res.view(nil)
	var err error
	if run.Summary, err = v.render("check_run_summary.md.tmpl", maxCheckOutput); err != nil {
		return run, err
	}
	if res.noCompose() || len(res.incomplete) > 0 {
		return run, nil
	}
	if run.Text, err = v.render("check_run_text.md.tmpl", maxCheckOutput); err != nil {
		return run, err
	}
	run.Annotations = res.annotations()
	return run, nil
}

// onAddedLine reports whether a finding lies on a line the pull request
// adds: the only lines composeguard comments and annotates. Findings in the
// policy file never do: they come from the base commit's copy, whose lines
// the head may have moved.
func (res *result) onAddedLine(f audit.Finding) bool {
	return f.Pos.File != policy.FileName && res.added(f.Pos.File, f.Pos.Line)
}
