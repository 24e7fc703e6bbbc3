package review_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/review"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

var today = time.Date(2030, 3, 10, 12, 0, 0, 0, time.UTC)

func reviewer(f *fakeForge) *review.PullRequestReview {
	return &review.PullRequestReview{Forge: f, Now: func() time.Time { return today }}
}

func request(sha string) forge.ReviewRequest {
	return forge.ReviewRequest{Repo: repo, Number: 7, HeadSHA: sha}
}

func run(t *testing.T, r *review.PullRequestReview, sha string) {
	t.Helper()
	if err := r.Run(context.Background(), request(sha)); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func (f *fakeForge) lastCheck(t *testing.T) *forge.CheckRun {
	t.Helper()
	if len(f.checkRuns) == 0 {
		t.Fatal("no check run")
	}
	return f.checkRuns[len(f.checkRuns)-1]
}

func (f *fakeForge) assertNoneInProgress(t *testing.T) {
	t.Helper()
	for i, r := range f.checkRuns {
		if r.Status != forge.StatusCompleted {
			t.Errorf("check run %d left %s", i+1, r.Status)
		}
	}
}

func (f *fakeForge) summary(t *testing.T) string {
	t.Helper()
	if len(f.issueComments) != 1 {
		t.Fatalf("%d issue comments, want one summary", len(f.issueComments))
	}
	return f.issueComments[0].Body
}

// suggestion returns a comment's suggestion block, false when it has none.
func suggestion(body string) (string, bool) {
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		fence, ok := strings.CutSuffix(l, "suggestion")
		if !ok || len(fence) < 3 || strings.Trim(fence, "`") != "" {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			if lines[j] == fence {
				return strings.Join(lines[i+1:j], "\n"), true
			}
		}
	}
	return "", false
}

// applySuggestion applies a comment's suggestion to content as the forge's
// "Commit suggestion" button does: the comment's lines become its text.
func applySuggestion(t *testing.T, content string, c forge.InlineComment) string {
	t.Helper()
	text, ok := suggestion(c.Body)
	if !ok {
		t.Fatalf("no suggestion in:\n%s", c.Body)
	}
	start := c.Line
	if c.StartLine != 0 {
		start = c.StartLine
	}
	lines := strings.SplitAfter(content, "\n")
	var replaced []string
	if text != "" {
		replaced = []string{text + "\n"}
	}
	return strings.Join(slices.Concat(lines[:start-1], replaced, lines[c.Line:]), "")
}

// auditFile audits one compose file as the review does.
func auditFile(t *testing.T, content string) *audit.Report {
	t.Helper()
	return audit.Run(context.Background(), compose.MapSnapshot{"compose.yaml": []byte(content)}, policy.Default(), today)
}

func TestOneCommentForANewServiceWithASuggestionThatApplies(t *testing.T) {
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	run(t, reviewer(f), headSHA)

	check := f.lastCheck(t)
	if check.Conclusion != forge.ConclusionFailure || !strings.Contains(check.Title, "new problems · score 10.0 → ") {
		t.Errorf("check = %s %q, want a failure titled with the new problems and the score", check.Conclusion, check.Title)
	}
	f.assertNoneInProgress(t)
	if len(f.reviews) != 1 || len(f.reviews[0].Comments) != 1 {
		t.Fatalf("%d reviews, want 1 with one comment for the new service: %+v", len(f.reviews), f.reviews)
	}
	c := f.reviews[0].Comments[0]
	if f.reviews[0].CommitSHA != headSHA {
		t.Errorf("review at %s, want the head", f.reviews[0].CommitSHA)
	}
	webStart, webEnd := reviewtest.LineOf(t, head, "", "web:"), reviewtest.LineOf(t, head, "web:", `"8080:80"`)
	if start := max(c.StartLine, c.Line*btoi(c.StartLine == 0)); start < webStart || c.Line > webEnd {
		t.Errorf("comment on lines %d-%d, outside the lines web adds (%d-%d)", c.StartLine, c.Line, webStart, webEnd)
	}
	newFindings := auditFile(t, head).Findings
	for _, fd := range newFindings {
		if slices.Contains(fd.Services, "web") && !strings.Contains(c.Body, "<!-- composeguard:fingerprint="+fd.Fingerprint+" -->") {
			t.Errorf("the comment lacks the marker of %s", fd.Rule)
		}
	}
	for _, rule := range []string{"privileged-container", "port-bound-all-interfaces", "no-new-privileges-missing", "healthcheck-missing"} {
		if !strings.Contains(c.Body, "[`"+rule+"`](https://") {
			t.Errorf("the comment does not list %s with its link", rule)
		}
	}
	if n := strings.Count(c.Body, "```suggestion"); n != 1 {
		t.Fatalf("%d suggestion blocks, want one:\n%s", n, c.Body)
	}

	// Committing the suggestion leaves a valid file without the problems it
	// claims to fix, and no new one.
	fixed := applySuggestion(t, head, c)
	after := auditFile(t, fixed)
	gone := audit.Fingerprints(after.Findings)
	for _, fd := range after.Findings {
		if fd.Rule == "compose-invalid" {
			t.Fatalf("the suggestion breaks the file: %s\n%s", fd.Message, fixed)
		}
	}
	claimed := regexp.MustCompile(`the suggestion fixes (\d+|all of them)`).FindStringSubmatch(c.Body)
	if claimed == nil {
		t.Fatalf("the headline does not say what the suggestion fixes:\n%s", c.Body)
	}
	removed := 0
	for _, fd := range newFindings {
		if !gone[fd.Fingerprint] {
			removed++
		}
	}
	if want, _ := strconv.Atoi(claimed[1]); removed != want || len(after.Findings) != len(newFindings)-removed {
		t.Errorf("the suggestion removed %d findings (claimed %s) and left %d of %d:\n%s", removed, claimed[1], len(after.Findings), len(newFindings), fixed)
	}
	for _, rule := range []string{"capabilities-not-dropped", "no-new-privileges-missing", "writable-root-filesystem", "memory-limit-missing", "log-rotation-missing"} {
		for _, fd := range after.Findings {
			if fd.Rule == rule && slices.Contains(fd.Services, "web") {
				t.Errorf("%s remains after the suggestion", rule)
			}
		}
	}
	if s := f.summary(t); !strings.HasPrefix(s, "<!-- composeguard:summary -->") || !strings.Contains(s, "| **Overall** | **10.0** |") {
		t.Errorf("summary lacks its marker or score:\n%s", s)
	}
}

// TestFourSpaceIndentedFile: the suggestion is written in the file's own
// indentation, and applies.
func TestFourSpaceIndentedFile(t *testing.T) {
	base := "services:\n    app:\n        image: ghcr.io/acme/app:1.4.2\n"
	head := base + "    web:\n        image: nginx:1.27\n        ports:\n            - \"8080:80\"\n"
	f := newFake(map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	run(t, reviewer(f), headSHA)
	var web *forge.InlineComment
	for i, c := range f.reviews[0].Comments {
		if strings.HasPrefix(c.Body, "`web`") {
			web = &f.reviews[0].Comments[i]
		}
	}
	if web == nil {
		t.Fatalf("no comment for web: %+v", f.reviews[0].Comments)
	}
	text, ok := suggestion(web.Body)
	if !ok {
		t.Fatalf("no suggestion:\n%s", web.Body)
	}
	for _, l := range strings.Split(text, "\n") {
		if indent := len(l) - len(strings.TrimLeft(l, " ")); indent%4 != 0 {
			t.Errorf("line %q is not indented by fours", l)
		}
	}
	before := auditFile(t, head)
	after := auditFile(t, applySuggestion(t, head, *web))
	if len(after.Findings) >= len(before.Findings) {
		t.Errorf("the suggestion fixed nothing: %d findings, then %d", len(before.Findings), len(after.Findings))
	}
}

// TestNoSuggestionWhenItReachesLinesNotAdded: read_only: true needs a
// tmpfs added under the service's name, a line the change does not add.
func TestNoSuggestionWhenItReachesLinesNotAdded(t *testing.T) {
	web := "  web:\n    image: nginx:1.27\n    user: \"1000:1000\"\n"
	base := reviewtest.Stack(reviewtest.Hardened("app"), web)
	head := reviewtest.Stack(reviewtest.Hardened("app"), web+"    read_only: false\n")
	f := newFake(map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	run(t, reviewer(f), headSHA)
	if len(f.reviews) != 1 || len(f.reviews[0].Comments) != 1 {
		t.Fatalf("reviews = %+v, want one comment on the added line", f.reviews)
	}
	c := f.reviews[0].Comments[0]
	if want := reviewtest.LineOf(t, head, "web:", "read_only: false"); c.Line != want || c.StartLine != 0 {
		t.Errorf("comment on %d-%d, want line %d", c.StartLine, c.Line, want)
	}
	if !strings.Contains(c.Body, "`writable-root-filesystem`") || strings.Contains(c.Body, "```suggestion") {
		t.Errorf("want the finding without a suggestion:\n%s", c.Body)
	}
}

// TestNoAnnotationOnAContextLine: a changed image line three lines below
// the service's name; the findings on that name stay in the summary.
func TestNoAnnotationOnAContextLine(t *testing.T) {
	base := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	head := strings.Replace(base, "image: nginx:1.27", "image: nginx:latest", 1)
	f := newFake(map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	run(t, reviewer(f), headSHA)
	changed := reviewtest.LineOf(t, head, "", "nginx:latest")
	check := f.lastCheck(t)
	if len(check.Annotations) == 0 {
		t.Fatal("no annotation at all: the test proves nothing")
	}
	for _, a := range check.Annotations {
		if a.StartLine != changed || a.EndLine != changed {
			t.Errorf("annotation on lines %d-%d, only line %d is added: %s", a.StartLine, a.EndLine, changed, a.Title)
		}
	}
	for _, c := range f.reviews[0].Comments {
		if c.Line != changed || c.StartLine != 0 {
			t.Errorf("comment on %d-%d, only line %d is added", c.StartLine, c.Line, changed)
		}
	}
}

func TestFixedThreadResolvedWithoutReply(t *testing.T) {
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	f := newFake(base, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"), reviewtest.Insecure("api", "9090"))})
	r := reviewer(f)
	run(t, r, headSHA)
	commented := len(f.reviewComments)
	if commented != 2 {
		t.Fatalf("%d comments, want one per new service", commented)
	}

	// web is fixed, api only in part.
	const fixed = "f1xed22222222222222222222222222222222222"
	f.push(fixed, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Hardened("web"),
		strings.Replace(reviewtest.Insecure("api", "9090"), `"9090:80"`, `"127.0.0.1:9090:80"`, 1))})
	run(t, r, fixed)

	if len(f.reviewComments) != commented || f.count("CreateReview") != 1 {
		t.Errorf("%d comments after the fix, want the %d there were: no reply, no new comment", len(f.reviewComments), commented)
	}
	web, api := f.reviewComments[0], f.reviewComments[1]
	if !strings.HasPrefix(web.Body, "`web`") {
		web, api = api, web
	}
	if !f.resolved[web.ID] || f.resolved[api.ID] {
		t.Errorf("resolved = %v: want web's thread (%d) resolved and api's (%d), partly fixed, open", f.resolved, web.ID, api.ID)
	}
	if s := f.summary(t); strings.Contains(s, "Fixed since composeguard commented") {
		t.Errorf("the summary repeats what the resolved thread says:\n%s", s)
	}
	run(t, r, fixed)
	if n := f.count("ResolveThread"); n != 1 {
		t.Errorf("%d threads resolved, want 1 over two runs", n)
	}
}

// TestFixedWithoutThreadResolution: when the forge cannot resolve threads,
// one line of the summary says what was fixed.
func TestFixedWithoutThreadResolution(t *testing.T) {
	for name, wrap := range map[string]func(*fakeForge) review.Forge{
		"forge without it":    func(f *fakeForge) review.Forge { return struct{ review.Forge }{f} },
		"token refused by it": func(f *fakeForge) review.Forge { f.noThreads = true; return f },
	} {
		t.Run(name, func(t *testing.T) {
			base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
			f := newFake(base, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
			r := &review.PullRequestReview{Forge: wrap(f), Now: func() time.Time { return today }}
			run(t, r, headSHA)
			const fixed = "f1xed22222222222222222222222222222222222"
			f.push(fixed, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Hardened("web"))})
			run(t, r, fixed)
			if len(f.reviewComments) != 1 || f.count("ResolveThread") != 0 {
				t.Errorf("%d review comments and %d resolutions, want the one comment and none", len(f.reviewComments), f.count("ResolveThread"))
			}
			line := fmt.Sprintf("**Fixed since composeguard commented:** every finding of its comment at `compose.yaml:%d` (%d)",
				f.reviewComments[0].Line, strings.Count(f.reviewComments[0].Body, "composeguard:fingerprint="))
			if s := f.summary(t); strings.Count(s, line) != 1 {
				t.Errorf("the summary lacks %q:\n%s", line, s)
			}
		})
	}
}

func TestSameHeadReviewedThreeTimes(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	r := reviewer(f)
	for range 3 {
		run(t, r, headSHA)
	}
	// A fresh process, as after a restart, must not repeat anything either.
	run(t, reviewer(f), headSHA)
	if len(f.reviews) != 1 || f.count("CreateReview") != 1 {
		t.Errorf("%d reviews from %d calls, want exactly one", len(f.reviews), f.count("CreateReview"))
	}
	f.summary(t)
	if n := f.count("EditIssueComment"); n != 0 {
		t.Errorf("an unchanged summary was edited %d times", n)
	}
	if n := f.count("Reply"); n != 0 {
		t.Errorf("%d replies with nothing fixed", n)
	}
	f.assertNoneInProgress(t)
}

func TestSummaryEditedInPlace(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	r := reviewer(f)
	run(t, r, headSHA)
	const next = "2e2e333333333333333333333333333333333333"
	f.push(next, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"), reviewtest.Insecure("api", "9090"))})
	run(t, r, next)
	if s := f.summary(t); !strings.Contains(s, "at `2e2e333`") {
		t.Errorf("summary still describes the old head:\n%s", s)
	}
	if f.count("EditIssueComment") != 1 || len(f.reviews) != 2 {
		t.Errorf("%d edits and %d reviews, want 1 edit and a review per head with new findings", f.count("EditIssueComment"), len(f.reviews))
	}
	for _, c := range f.reviews[1].Comments {
		if strings.Contains(c.Body, "`web`") {
			t.Errorf("the second review repeats a comment about web:\n%s", c.Body)
		}
	}
}

// TestSummaryOfAOneLineChangeInALargeFile: one changed line among 13
// insecure services gives a summary that fits on a screen.
func TestSummaryOfAOneLineChangeInALargeFile(t *testing.T) {
	var services []string
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"} {
		services = append(services, reviewtest.Insecure(name, strconv.Itoa(8000+i)))
	}
	base := reviewtest.Stack(services...)
	head := strings.Replace(base, "  g:\n    image: nginx:1.27", "  g:\n    image: nginx:latest", 1)
	f := newFake(map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	run(t, reviewer(f), headSHA)

	changed := reviewtest.LineOf(t, head, "", "nginx:latest")
	if len(f.reviews) != 1 || len(f.reviews[0].Comments) != 1 {
		t.Fatalf("reviews %+v, want one comment", f.reviews)
	}
	if c := f.reviews[0].Comments[0]; c.Line != changed || !strings.Contains(c.Body, "image-tag-not-pinned") {
		t.Errorf("comment on line %d, want the mutable tag on line %d:\n%s", c.Line, changed, c.Body)
	}
	s := f.summary(t)
	const limit = 6 << 10
	if len(s) > limit {
		t.Errorf("summary of %d bytes for a one-line change, want under %d:\n%s", len(s), limit, s)
	}
	if !strings.Contains(s, "<details><summary>143 existing findings, by rule</summary>") ||
		!strings.Contains(s, "| [`privileged-container`](https://github.com/composeguard/composeguard/blob/main/checks/README.md#privileged-container) | critical | 13 | `a`, `b`, `c`, `d`, `e`, `f`, `g`, `h`, `i`, `j`, `k`, `l`, `m` |") {
		t.Errorf("the existing findings are not grouped by rule:\n%s", s)
	}
	link := fmt.Sprintf("[line %d](https://forge.test/acme/stack/blob/%s/compose.yaml#L%d)", changed, headSHA, changed)
	if !strings.Contains(s, link) {
		t.Errorf("the new finding does not link to %s:\n%s", link, s)
	}
}

func TestPolicyChangeJudgedByBasePolicy(t *testing.T) {
	base := map[string]string{
		"compose.yaml":      reviewtest.Stack(reviewtest.Hardened("app")),
		".composeguard.yml": "fail_on: high\n",
	}
	head := map[string]string{
		"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080")),
		".composeguard.yml": `fail_on: critical
rules:
  privileged-container: off
  port-bound-all-interfaces: low
exceptions:
  - rule: memory-limit-missing
    service: web
    reason: sized by the orchestrator
    expires: 2030-12-31
`,
	}
	f := newFake(base, head)
	run(t, reviewer(f), headSHA)

	if c := f.lastCheck(t); c.Conclusion != forge.ConclusionFailure {
		t.Errorf("check = %s: the head's policy judged the change", c.Conclusion)
	}
	found := false
	for _, c := range f.reviews[0].Comments {
		found = found || strings.Contains(c.Body, "`privileged-container`")
	}
	if !found {
		t.Error("the rule the PR turns off was not applied")
	}
	s := f.summary(t)
	for _, want := range []string{
		"### This pull request changes `.composeguard.yml`",
		"- turn off `privileged-container`",
		"- lower `port-bound-all-interfaces` from medium to low",
		"- raise `fail_on` from high to critical",
		"- add an exception for `memory-limit-missing` on services `web` until 2030-12-31: “sized by the orchestrator”",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

// TestInlineExceptionCannotWaiveItsOwnPullRequest: a `# composeguard:ignore`
// comment is policy too, so the pull request that adds it is judged without
// it; one already on the base branch applies.
func TestInlineExceptionCannotWaiveItsOwnPullRequest(t *testing.T) {
	ignore := "    # composeguard:ignore privileged-container expires=2099-12-31 reason=\"needs raw devices\"\n"
	waived := strings.Replace(reviewtest.Insecure("web", "8080"), "    privileged: true\n", ignore+"    privileged: true\n", 1)

	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), waived)})
	run(t, reviewer(f), headSHA)
	commented := false
	for _, c := range f.reviews[0].Comments {
		commented = commented || strings.Contains(c.Body, "`privileged-container`")
	}
	if !commented {
		t.Error("the pull request waived its own critical finding: no inline comment for privileged-container")
	}
	s := f.summary(t)
	if !strings.Contains(s, "### Exceptions this pull request adds") || !strings.Contains(s, "needs raw devices") {
		t.Errorf("the requested exception is not described:\n%s", s)
	}

	// Once the exception is on the base branch, a later change is judged with it.
	f = newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), waived)},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), strings.Replace(waived, "image: nginx:1.27", "image: nginx:1.28", 1))})
	run(t, reviewer(f), headSHA)
	if s := f.summary(t); !strings.Contains(s, "### Exceptions in use") || strings.Contains(s, "### Exceptions this pull request adds") {
		t.Errorf("the base branch's inline exception must apply:\n%s", s)
	}
}

func TestSecretsAndHostFilesNeverPosted(t *testing.T) {
	const secret = "wh-secret-7f3a9c1e"
	t.Setenv("GITHUB_WEBHOOK_SECRET", secret)
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil || len(passwd) == 0 {
		t.Skip("no /etc/passwd to leak")
	}
	head := reviewtest.Stack(reviewtest.Hardened("app"), `  web:
    image: nginx:1.27
    env_file: /etc/passwd
    environment:
      HOOK: ${GITHUB_WEBHOOK_SECRET}
      TOKEN: "${GITHUB_WEBHOOK_SECRET}"
`)
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	run(t, reviewer(f), headSHA)

	all := f.posted()
	if !strings.Contains(all, "path-outside-repository") {
		t.Fatal("the env_file outside the repository was not reported: the test proves nothing")
	}
	if strings.Contains(all, secret) {
		t.Error("the server's webhook secret was posted")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(passwd)), "\n") {
		if strings.Contains(all, line) {
			t.Fatalf("a line of /etc/passwd was posted: %q", line)
		}
	}
}

func TestHeadMovedPostsNothing(t *testing.T) {
	files := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))}
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, files)
	run(t, reviewer(f), "0ld0000000000000000000000000000000000000")
	f.pr.Open = false
	run(t, reviewer(f), headSHA)
	if strings.Join(f.calls, ",") != "PullRequest,CheckRuns,PullRequest,CheckRuns" {
		t.Errorf("calls = %v, want only the reads of the pull request and its runs", f.calls)
	}
}

// leftInProgress is the run a version that showed reviews in progress left
// at the head when its process died.
func (f *fakeForge) leftInProgress(t *testing.T) *forge.CheckRun {
	t.Helper()
	id, err := f.CreateCheckRun(context.Background(), repo, forge.CheckRun{Name: forge.CheckName, HeadSHA: headSHA,
		Status: forge.StatusInProgress, ExternalID: "acme/stack#7@" + headSHA, Title: "Reviewing…"})
	if err != nil {
		t.Fatal(err)
	}
	return f.checkRuns[id-1]
}

// TestStaleRunOfADeadProcessIsCancelled: a process died reviewing a head;
// when its job runs again the pull request has moved on, and the run it
// left in progress is cancelled rather than left spinning.
func TestStaleRunOfADeadProcessIsCancelled(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	f.leftInProgress(t)
	f.push("9e9e444444444444444444444444444444444444", map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))})
	run(t, reviewer(f), headSHA)
	if c := f.lastCheck(t); len(f.checkRuns) != 1 || c.Conclusion != forge.ConclusionCancelled || c.Title != "Superseded by 9e9e444" {
		t.Errorf("%d runs, the last %s %q; want the one left in progress cancelled", len(f.checkRuns), c.Conclusion, c.Title)
	}
}

// TestStaleStatusIsFinished: a commit status carries no external id; the
// one a dead process left pending on a head the merge request moved on from
// is finished all the same, never left pending.
func TestStaleStatusIsFinished(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	f.leftInProgress(t).ExternalID = ""
	f.push("9e9e444444444444444444444444444444444444", map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))})
	run(t, reviewer(f), headSHA)
	if c := f.lastCheck(t); len(f.checkRuns) != 1 || c.Status != forge.StatusCompleted || c.Conclusion != forge.ConclusionCancelled {
		t.Errorf("%d runs, the last %s %s; want the pending status finished", len(f.checkRuns), c.Status, c.Conclusion)
	}
}

// TestHeadMovedDuringReviewPostsNothing: the pull request moved on while
// its head was audited; the review posts nothing, not even a check run
// (the head it would go on is no longer the pull request's).
func TestHeadMovedDuringReviewPostsNothing(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	f.moveAfter, f.movedTo = 1, "9e9e444444444444444444444444444444444444"
	run(t, reviewer(f), headSHA)
	if len(f.checkRuns)+len(f.reviews)+len(f.issueComments)+len(f.reviewComments) != 0 {
		t.Errorf("a superseded review posted: %v", f.calls)
	}
}

func TestNoComposeFileChanged(t *testing.T) {
	compose := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	f := newFake(map[string]string{"compose.yaml": compose, "README.md": "old\n"},
		map[string]string{"compose.yaml": compose, "README.md": "new\n"})
	run(t, reviewer(f), headSHA)
	c := f.lastCheck(t)
	if c.Conclusion != forge.ConclusionSuccess || c.Title != "No compose files changed" {
		t.Errorf("check = %s %q", c.Conclusion, c.Title)
	}
	if len(c.Annotations) != 0 || f.count("CreateReview")+f.count("CreateIssueComment")+f.count("EditIssueComment") != 0 {
		t.Errorf("calls = %v, want nothing posted beyond the check", f.calls)
	}
}

// TestDependenciesChooseTheirProject changes only a file a compose project
// reads; the project must be reviewed, and only it.
func TestDependenciesChooseTheirProject(t *testing.T) {
	other := "other/compose.yaml"
	for _, tc := range []struct {
		name         string
		base, change map[string]string
	}{
		{"the project .env",
			map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), "  web:\n    image: nginx:${TAG}\n"), ".env": "TAG=1.27\n"},
			map[string]string{".env": "TAG=latest\n"}},
		{"an env_file",
			map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), "  web:\n    image: nginx:1.27\n    env_file: [config/web.env]\n"), "config/web.env": "A=1\n"},
			map[string]string{"config/web.env": "A=2\n"}},
		{"a label_file",
			map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), "  web:\n    image: nginx:1.27\n    label_file: config/web.labels\n"), "config/web.labels": "a=1\n"},
			map[string]string{"config/web.labels": "a=2\n"}},
		{"an include's env_file",
			map[string]string{"compose.yaml": "include:\n  - path: parts/web.yml\n    env_file: parts/web.env\n" + reviewtest.Stack(reviewtest.Hardened("app")),
				"parts/web.yml": "services:\n  web:\n    image: nginx:${TAG}\n", "parts/web.env": "TAG=1.27\n"},
			map[string]string{"parts/web.env": "TAG=latest\n"}},
		{"an included file",
			map[string]string{"compose.yaml": "include:\n  - parts/web.yml\n" + reviewtest.Stack(reviewtest.Hardened("app")), "parts/web.yml": "services:\n  web:\n    image: nginx:1.27\n"},
			map[string]string{"parts/web.yml": "services:\n  web:\n    image: nginx:latest\n"}},
		{"an extends base",
			map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), "  web:\n    extends: {file: base/web.yml, service: web}\n"), "base/web.yml": "services:\n  web:\n    image: nginx:1.27\n"},
			map[string]string{"base/web.yml": "services:\n  web:\n    image: nginx:latest\n"}},
		{"an override",
			map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app")), "compose.override.yaml": "services:\n  app:\n    restart: always\n"},
			map[string]string{"compose.override.yaml": "services:\n  app:\n    privileged: true\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := map[string]string{other: reviewtest.Stack(reviewtest.Insecure("legacy", "8080"))}
			for p, c := range tc.base {
				base[p] = c
			}
			head := map[string]string{}
			for p, c := range base {
				head[p] = c
			}
			for p, c := range tc.change {
				head[p] = c
			}
			f := newFake(base, head)
			run(t, reviewer(f), headSHA)
			c := f.lastCheck(t)
			if c.Title == "No compose files changed" {
				t.Errorf("check %q, summary:\n%s", c.Title, c.Summary)
			}
			if strings.Contains(f.summary(t), "legacy") {
				t.Error("the unaffected project was audited")
			}
		})
	}
}

// TestInlineCap: the cap counts comments, the most severe kept.
func TestInlineCap(t *testing.T) {
	cache := strings.Split(reviewtest.Hardened("cache"), "    healthcheck:")[0] + "    restart: unless-stopped\n"
	// The cap is the base commit's: the change cannot raise it.
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app")), policy.FileName: "review:\n  max_inline_comments: 2\n"},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), cache, reviewtest.Insecure("web", "8080"), reviewtest.Insecure("api", "9090")),
			policy.FileName: "review:\n  max_inline_comments: 100\n"})
	run(t, reviewer(f), headSHA)
	if n := len(f.reviews[0].Comments); n != 2 {
		t.Errorf("%d inline comments, want the cap of 2", n)
	}
	for _, c := range f.reviews[0].Comments {
		if !strings.Contains(c.Body, "**critical**") {
			t.Errorf("the cap kept a less severe comment:\n%s", c.Body)
		}
	}
	s := f.summary(t)
	if !strings.Contains(s, "[`healthcheck-missing`]") || !strings.Contains(s, "_(not commented inline: over the limit of 2 inline comments)_") {
		t.Errorf("the summary does not list what the cap left out:\n%s", s)
	}
}

func TestRefusedReviewGoesToSummary(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	f.failOnce["CreateReview"] = forge.ErrUnprocessable
	run(t, reviewer(f), headSHA)
	if len(f.reviews) != 0 {
		t.Fatal("review posted")
	}
	if s := f.summary(t); !strings.Contains(s, "`privileged-container`") || !strings.Contains(s, "_(not commented inline: the forge refused to place it)_") {
		t.Errorf("the refused comments are not in the summary:\n%s", s)
	}
}

// TestPartlyPlacedReview: a forge that places each comment alone posts the
// others; only the findings of the refused one go to the summary as
// refused.
func TestPartlyPlacedReview(t *testing.T) {
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"), reviewtest.Insecure("api", "9090"))
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	f.refuseLines = map[int]bool{reviewtest.LineOf(t, head, "", "  web:"): true}
	run(t, reviewer(f), headSHA)
	if len(f.reviewComments) != 1 || !strings.HasPrefix(f.reviewComments[0].Body, "`api`") {
		t.Fatalf("comments %+v, want the one on api", f.reviewComments)
	}
	s := f.summary(t)
	refused := "_(not commented inline: the forge refused to place it)_"
	for _, group := range strings.Split(s, "\n**`")[1:] {
		web := strings.HasPrefix(group, "web`")
		if marked := strings.Contains(group, refused); marked != web {
			t.Errorf("findings marked refused: %t, want %t for\n%s", marked, web, group)
		}
	}
	if c := f.lastCheck(t); c.Conclusion != forge.ConclusionFailure {
		t.Errorf("check = %s", c.Conclusion)
	}
}

// TestRetryDuplicatesNothing fails each call once; the job's retry must
// finish the review without repeating what the failed attempt posted.
func TestRetryDuplicatesNothing(t *testing.T) {
	for _, method := range []string{"CheckRuns", "ChangedFiles", "Snapshot", "CreateCheckRun", "ReviewComments", "CreateReview", "ReviewThreads", "ResolveThread", "IssueComments", "CreateIssueComment"} {
		t.Run(method, func(t *testing.T) {
			base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("old", "7070"))}
			f := newFake(base, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
			// A comment of an earlier push on a finding now gone, to resolve.
			f.reviewComments = []forge.Comment{{ID: 900, Path: "compose.yaml", Line: 3, Body: "old\n<!-- composeguard:fingerprint=00000000000000aa -->", Author: "composeguard[bot]"}}
			f.lastID = 900
			f.failOnce[method] = &forge.RetryableError{Err: errors.New("502 bad gateway")}
			r := reviewer(f)
			if err := r.Run(context.Background(), request(headSHA)); err == nil {
				t.Fatal("the failure was not returned for the job to retry")
			}
			run(t, r, headSHA)
			if len(f.reviews) != 1 || len(f.issueComments) != 1 || !f.resolved[900] || f.count("ResolveThread") != 1+btoi(method == "ResolveThread") {
				t.Errorf("%d reviews, %d summaries, %d resolutions after a retry (resolved: %v)", len(f.reviews), len(f.issueComments), f.count("ResolveThread"), f.resolved)
			}
			f.assertNoneInProgress(t)
			if len(f.checkRuns) != 1 {
				t.Errorf("%d check runs after a retry", len(f.checkRuns))
			}
			if c := f.lastCheck(t); c.Conclusion != forge.ConclusionFailure {
				t.Errorf("check = %s", c.Conclusion)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestUnreadableFileIsRetriedNotReported: a file the forge fails to serve
// is not a broken compose file.
func TestUnreadableFileIsRetriedNotReported(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	f.readErr = &forge.RetryableError{Err: errors.New("timeout")}
	r := reviewer(f)
	err := r.Run(context.Background(), request(headSHA))
	var retry *forge.RetryableError
	if !errors.As(err, &retry) {
		t.Fatalf("Run = %v, want the forge's error", err)
	}
	if len(f.reviews)+len(f.issueComments)+len(f.checkRuns) != 0 {
		t.Error("a review built on unread files was posted")
	}
}

func TestGiveUpCompletesTheCheck(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	cause := &forge.RetryableError{Err: errors.New("GET https://x-access-token:ghs_s3cret@api.github.com: 503")}
	f.failOnce["ChangedFiles"] = cause
	r := reviewer(f)
	if err := r.Run(context.Background(), request(headSHA)); err == nil {
		t.Fatal("no error")
	}
	// A restarted process gives up: it completes the run the first left.
	if err := reviewer(f).GiveUp(context.Background(), request(headSHA), cause); err != nil {
		t.Fatal(err)
	}
	if len(f.checkRuns) != 1 {
		t.Fatalf("%d check runs, want the one in progress completed", len(f.checkRuns))
	}
	// With no run in progress, giving up creates a failed one to show.
	if err := r.GiveUp(context.Background(), request(headSHA), context.DeadlineExceeded); err != nil {
		t.Fatal(err)
	}
	if len(f.checkRuns) != 2 {
		t.Fatalf("%d check runs", len(f.checkRuns))
	}
	f.assertNoneInProgress(t)
	for _, c := range f.checkRuns {
		if c.Conclusion != forge.ConclusionFailure || !strings.HasPrefix(c.Summary, "composeguard could not finish: ") || c.HeadSHA != headSHA {
			t.Errorf("check = %s %q at %s", c.Conclusion, c.Summary, c.HeadSHA)
		}
		if strings.Contains(c.Summary, "ghs_s3cret") {
			t.Error("the error's text was posted")
		}
	}
}

// TestRestartTakesUpTheRunInProgress: a process of a version that showed
// reviews in progress died mid-review, leaving its check run so; the next
// review completes that run, and a review of another pull request at the
// same head keeps its own.
func TestRestartTakesUpTheRunInProgress(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	f.leftInProgress(t)
	if _, err := f.CreateCheckRun(context.Background(), repo, forge.CheckRun{Name: forge.CheckName, HeadSHA: headSHA,
		Status: forge.StatusInProgress, ExternalID: "acme/stack#8@" + headSHA}); err != nil {
		t.Fatal(err)
	}
	run(t, reviewer(f), headSHA)
	if n := f.count("CreateCheckRun"); n != 2 {
		t.Errorf("%d check runs created, want the one in progress reused", n-2)
	}
	if c := f.checkRuns[0]; c.Status != forge.StatusCompleted || c.Conclusion != forge.ConclusionFailure {
		t.Errorf("the run left in progress is %s %s", c.Status, c.Conclusion)
	}
	if c := f.checkRuns[1]; c.Status != forge.StatusInProgress {
		t.Errorf("the other pull request's run was %s by this review", c.Status)
	}
}

func TestLongOutputsStayWithinTheForgeLimits(t *testing.T) {
	services := []string{reviewtest.Hardened("app")}
	for i := range 150 {
		services = append(services, reviewtest.Insecure("s"+strconv.Itoa(i), strconv.Itoa(10000+i)))
	}
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": reviewtest.Stack(services...)})
	run(t, reviewer(f), headSHA)

	check := f.lastCheck(t)
	for name, text := range map[string]string{"check summary": check.Summary, "check text": check.Text, "summary comment": f.summary(t)} {
		limit := 65535
		if name == "summary comment" {
			limit = 65536
		}
		if len(text) > limit || !strings.Contains(text, "…and ") {
			t.Errorf("%s: %d bytes, limit %d, with no honest cut", name, len(text), limit)
		}
	}
	// One group of new findings per service.
	groups := strings.Count(check.Summary, "\n**`s")
	var more int
	if i := strings.Index(check.Summary, "…and "); i >= 0 {
		more, _ = strconv.Atoi(strings.Fields(check.Summary[i+len("…and "):])[0])
	}
	if groups == 0 || groups+more != 150 {
		t.Errorf("%d groups shown and %d said to be left out, of 150 services", groups, more)
	}
}

func TestExistingFindingsDoNotFailTheCheck(t *testing.T) {
	// The base already runs a privileged service; the change adds a service
	// whose only problem is low.
	base := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("old", "7070"))
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("old", "7070"), strings.Split(reviewtest.Hardened("cache"), "    logging:")[0])
	f := newFake(map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	run(t, reviewer(f), headSHA)
	if c := f.lastCheck(t); c.Conclusion != forge.ConclusionSuccess || !strings.HasPrefix(c.Title, "1 new problem ·") {
		t.Errorf("check = %s %q, want %s", c.Conclusion, c.Title, forge.ConclusionSuccess)
	}
}

// fail_on is inclusive: a new problem of exactly that severity fails the
// check, one a step below passes.
func TestFailOnThreshold(t *testing.T) {
	// The change adds one problem, a low one: cache lacks only logging.
	base := reviewtest.Stack(reviewtest.Hardened("app"))
	head := reviewtest.Stack(reviewtest.Hardened("app"), strings.Split(reviewtest.Hardened("cache"), "    logging:")[0])
	for failOn, want := range map[string]string{"low": forge.ConclusionFailure, "medium": forge.ConclusionSuccess} {
		t.Run("fail_on "+failOn, func(t *testing.T) {
			pol := "fail_on: " + failOn + "\n"
			f := newFake(map[string]string{"compose.yaml": base, ".composeguard.yml": pol},
				map[string]string{"compose.yaml": head, ".composeguard.yml": pol})
			run(t, reviewer(f), headSHA)
			if c := f.lastCheck(t); c.Conclusion != want || !strings.HasPrefix(c.Title, "1 new problem ·") || !strings.Contains(c.Summary, "**low** · [`log-rotation-missing`]") {
				t.Errorf("check = %s %q, want %s for one new low problem:\n%s", c.Conclusion, c.Title, want, c.Summary)
			}
		})
	}
}

func TestRenamedFileKeepsItsFindings(t *testing.T) {
	compose := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	f := newFake(map[string]string{"compose.yaml": compose}, map[string]string{"stacks/web/compose.yaml": compose})
	f.renames = map[string]string{"stacks/web/compose.yaml": "compose.yaml"}
	run(t, reviewer(f), headSHA)
	c := f.lastCheck(t)
	if c.Conclusion != forge.ConclusionSuccess || !strings.HasPrefix(c.Title, "No new problems") || !strings.Contains(c.Summary, "**0 new** · 11 existing · 0 fixed") {
		t.Errorf("check after a rename = %s %q:\n%s", c.Conclusion, c.Title, c.Summary)
	}
	if len(f.reviews) != 0 {
		t.Error("a rename was reviewed as new problems")
	}
}

// TestProjectsAsTheAuditCommandGroupsThem: the review chooses and loads
// projects exactly as the audit command does (audit.Projects): declared
// app-store projects, overrides below their main file, COMPOSE_FILE.
func TestProjectsAsTheAuditCommandGroupsThem(t *testing.T) {
	appStore := map[string]string{
		policy.FileName:                "projects:\n  - files: [common/networks.yml, \"apps/*/docker-compose.yml\"]\n    each: \"apps/*/docker-compose.yml\"\n",
		"common/networks.yml":          "networks:\n  backend: {}\n",
		"apps/blog/docker-compose.yml": "services:\n" + reviewtest.Hardened("blog"),
		"apps/wiki/docker-compose.yml": "services:\n" + reviewtest.Insecure("legacy", "8080"),
	}
	overridden := map[string]string{
		"docker-compose.yml": reviewtest.Stack(reviewtest.Hardened("app")),
		"helper-scripts/EXTRA/docker-compose.override.yml": "services:\n  app:\n    restart: always\n",
	}
	composeFile := map[string]string{
		".env":            "COMPOSE_FILE=deploy/base.yml:deploy/prod.yml\n",
		"deploy/base.yml": reviewtest.Stack(reviewtest.Hardened("app")),
		"deploy/prod.yml": "services:\n  app:\n    restart: always\n",
	}
	for _, tc := range []struct {
		name          string
		base, change  map[string]string
		want, notWant []string
	}{
		{"an app of an app store", appStore,
			map[string]string{"apps/blog/docker-compose.yml": "services:\n" + reviewtest.Hardened("blog") + reviewtest.Insecure("web", "8081")},
			[]string{"privileged-container", "**`web`** in `apps/blog/docker-compose.yml`"}, []string{"legacy", "compose-incomplete"}},
		{"the shared file of an app store", appStore,
			map[string]string{"common/networks.yml": "networks:\n  backend: {internal: true}\n"},
			[]string{"legacy"}, []string{"compose-incomplete"}},
		{"an override below its main file", overridden,
			map[string]string{"helper-scripts/EXTRA/docker-compose.override.yml": "services:\n  app:\n    privileged: true\n"},
			[]string{"privileged-container", "helper-scripts/EXTRA/docker-compose.override.yml#L3"}, []string{"compose-incomplete"}},
		{"a file COMPOSE_FILE names", composeFile,
			map[string]string{"deploy/prod.yml": "services:\n  app:\n    privileged: true\n"},
			[]string{"privileged-container", "deploy/prod.yml#L3"}, []string{"compose-incomplete"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := map[string]string{}
			for p, c := range tc.base {
				head[p] = c
			}
			for p, c := range tc.change {
				head[p] = c
			}
			f := newFake(tc.base, head)
			run(t, reviewer(f), headSHA)
			if c := f.lastCheck(t); c.Title == "No compose files changed" {
				t.Fatalf("check %q", c.Title)
			}
			s := f.summary(t)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("summary lacks %q:\n%s", w, s)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(s, w) {
					t.Errorf("summary has %q:\n%s", w, s)
				}
			}
		})
	}
}
