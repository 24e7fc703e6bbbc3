package review_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/review"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// TestMoreChangedFilesThanTheForgeLists: GitHub lists 3,000 files of a
// pull request; a compose file sorted after them is still audited.
func TestMoreChangedFilesThanTheForgeLists(t *testing.T) {
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	head := map[string]string{"compose.yaml": base["compose.yaml"], "zz/compose.yaml": reviewtest.Stack(reviewtest.Privileged("web"))}
	for i := range 3000 {
		head[fmt.Sprintf("docs/%04d.md", i)] = "page\n"
	}
	f := newFake(base, head)
	run(t, reviewer(f), headSHA)
	if n := f.count("ChangedFiles"); n != 1 {
		t.Fatalf("ChangedFiles asked %d times", n)
	}
	c := f.lastCheck(t)
	if c.Conclusion != forge.ConclusionFailure || !strings.Contains(c.Summary, "`privileged-container`") {
		t.Errorf("check = %s %q: the privileged service past the forge's 3,000 files was not audited\n%s", c.Conclusion, c.Title, c.Summary)
	}
}

// TestOversizedComposeFileFailsClosed: a compose file over the size
// composeguard reads cannot be reviewed, whatever the base held.
func TestOversizedComposeFileFailsClosed(t *testing.T) {
	big := reviewtest.Stack(reviewtest.Hardened("app")) + "# " + strings.Repeat("x", compose.MaxFileSize) + "\n"
	f := newFake(map[string]string{"compose.yaml": big}, map[string]string{"compose.yaml": strings.Replace(big, "services:\n", "services:\n"+reviewtest.Privileged("web"), 1)})
	run(t, reviewer(f), headSHA)
	c := f.lastCheck(t)
	if c.Conclusion != forge.ConclusionFailure || !strings.Contains(c.Summary, "compose.yaml") || !strings.Contains(c.Summary, "4 MB") {
		t.Errorf("check = %s %q, want a failure saying compose.yaml is too large to review:\n%s", c.Conclusion, c.Title, c.Summary)
	}
}

// TestHeadPolicyCannotExcludeItsOwnFile: the base policy chooses the
// files; a pull request's policy that excludes its insecure compose file,
// or drops the include that selects it, changes nothing until merged.
func TestHeadPolicyCannotExcludeItsOwnFile(t *testing.T) {
	for name, tc := range map[string]struct{ basePolicy, headPolicy, file string }{
		"exclude added":   {"", "files:\n  exclude: [\"stacks/**\"]\n", "stacks/new/compose.yaml"},
		"include dropped": {"files:\n  include: [\"deploy/*.yml\"]\n", "fail_on: high\n", "deploy/prod.yml"},
	} {
		t.Run(name, func(t *testing.T) {
			base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
			if tc.basePolicy != "" {
				base[policy.FileName] = tc.basePolicy
			}
			head := map[string]string{"compose.yaml": base["compose.yaml"], policy.FileName: tc.headPolicy, tc.file: reviewtest.Stack(reviewtest.Privileged("web"))}
			f := newFake(base, head)
			run(t, reviewer(f), headSHA)
			if c := f.lastCheck(t); c.Conclusion != forge.ConclusionFailure || !strings.Contains(c.Summary, "`privileged-container`") {
				t.Errorf("check = %s %q: the head's policy hid %s\n%s", c.Conclusion, c.Title, tc.file, c.Summary)
			}
		})
	}
}

// TestExpiredExceptionWithTheRealClock: a review with no clock injected
// uses the real one; an exception that expired in 2020 waives nothing.
func TestExpiredExceptionWithTheRealClock(t *testing.T) {
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app")),
		policy.FileName: "exceptions:\n  - rule: privileged-container\n    service: \"*\"\n    reason: lab hosts\n    expires: 2020-01-31\n"}
	head := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Privileged("web")), policy.FileName: base[policy.FileName]}
	f := newFake(base, head)
	run(t, &review.PullRequestReview{Forge: f}, headSHA)
	if c := f.lastCheck(t); c.Conclusion != forge.ConclusionFailure || !strings.Contains(c.Summary, "`privileged-container`") {
		t.Errorf("check = %s %q: the exception that expired on 2020-01-31 still waived the privileged service\n%s", c.Conclusion, c.Title, c.Summary)
	}
}

// TestTruncatedListingFailsClosed: a listing the forge cut short hides
// which files changed; the check fails saying so and nothing is audited.
func TestTruncatedListingFailsClosed(t *testing.T) {
	for _, sha := range []string{baseSHA, headSHA} {
		f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
			map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app")), "README.md": "new\n"})
		f.truncated = map[string]bool{sha: true}
		run(t, reviewer(f), headSHA)
		c := f.lastCheck(t)
		if c.Conclusion != forge.ConclusionFailure || !strings.Contains(c.Summary, "The files at `"+sha[:7]+"`: the forge listed only part of its files") {
			t.Errorf("check = %s %q with the listing at %s truncated:\n%s", c.Conclusion, c.Title, sha[:7], c.Summary)
		}
		if len(f.issueComments)+len(f.reviews) != 0 {
			t.Errorf("a review that could not tell what changed posted more than its check: %v", f.calls)
		}
	}
}

// TestRenameBeyondTheListingKeepsItsFindings: a file moved as it is, past
// the files the forge lists, is known by its content: its findings are
// not new.
func TestRenameBeyondTheListingKeepsItsFindings(t *testing.T) {
	insecure := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	head := map[string]string{"zz/moved/compose.yaml": insecure}
	for i := range 3000 {
		head[fmt.Sprintf("docs/%04d.md", i)] = "page\n"
	}
	f := newFake(map[string]string{"zz/compose.yaml": insecure}, head)
	run(t, reviewer(f), headSHA)
	c := f.lastCheck(t)
	if c.Conclusion != forge.ConclusionSuccess || !strings.HasPrefix(c.Title, "No new problems") {
		t.Errorf("check after an unlisted rename = %s %q:\n%s", c.Conclusion, c.Title, c.Summary)
	}
	if !strings.Contains(c.Summary, "The forge lists 3,000 of its 3,002 changed files") {
		t.Errorf("the summary does not say the forge listed fewer files:\n%s", c.Summary)
	}
}
