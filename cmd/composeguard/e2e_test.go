package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
	"github.com/composeguard/composeguard/handlers"
)

func TestE2ENewInsecureService(t *testing.T) {
	t.Parallel()
	eachAuth(t, newInsecureService)
}

func newInsecureService(t *testing.T, e *e2e) {
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	e.opened(t, p, "opened")
	e.reviewed(t)

	run := e.verdict(t, p.Head)
	if run.Conclusion != "failure" || !strings.Contains(run.Title, "new problems · score 10.0 → ") {
		t.Errorf("check run %s %q, want a failure naming the new problems and the score", run.Conclusion, run.Title)
	}
	reviews := e.repo.Reviews(p.Number)
	if len(reviews) != 1 || reviews[0].CommitID != p.Head || reviews[0].Event != "COMMENT" || reviews[0].User != e.login {
		t.Fatalf("reviews %+v, want one COMMENT review by %s at the head", reviews, e.login)
	}
	comments := e.repo.ReviewComments(p.Number)
	if len(comments) != 1 {
		t.Fatalf("%d inline comments, want one for the new service", len(comments))
	}
	c := comments[0]
	webStart, webEnd := reviewtest.LineOf(t, head, "", "web:"), reviewtest.LineOf(t, head, "web:", `"8080:80"`)
	if c.ReviewID != reviews[0].ID || c.Path != "compose.yaml" || c.Side != "RIGHT" || min(c.StartLine, c.Line) < webStart || c.Line > webEnd {
		t.Errorf("comment %+v is not on web's lines %d-%d of the one review", c, webStart, webEnd)
	}
	for _, rule := range []string{"privileged-container", "port-bound-all-interfaces", "no-new-privileges-missing"} {
		if !strings.Contains(c.Body, "`"+rule+"`") {
			t.Errorf("the comment does not list %s", rule)
		}
	}
	if strings.Count(c.Body, "```suggestion\n") != 1 {
		t.Errorf("want one suggestion in:\n%s", c.Body)
	}
	if !e.token && len(run.Annotations) < len(comments) {
		t.Errorf("%d annotations for %d inline comments", len(run.Annotations), len(comments))
	}
	if s := e.summary(t, p.Number); !strings.Contains(s.Body, "| **Overall** | **10.0** |") {
		t.Errorf("the summary lacks the score:\n%s", s.Body)
	}
	// What the review left of the rate limit, as GitHub's answers said.
	want := `composeguard_forge_ratelimit_remaining{forge="github",installation="token"} `
	if !e.token {
		want = fmt.Sprintf(`composeguard_forge_ratelimit_remaining{forge="github",installation="%d"} %d`+"\n",
			e2eInstallation, 5000-e.fake.RateLimitUsed(e2eInstallation))
	}
	if _, metrics := get(t, e.url+"/metrics"); !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

func TestE2EFixingPush(t *testing.T) {
	t.Parallel()
	eachAuth(t, fixingPush)
}

func fixingPush(t *testing.T, e *e2e) {
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	p := e.pull(2, base, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	e.opened(t, p, "opened")
	e.reviewed(t)
	threads := len(e.repo.ReviewComments(p.Number))
	if threads == 0 {
		t.Fatal("the insecure head got no inline comment: the test proves nothing")
	}

	p.Head = e.repo.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Hardened("web"))})
	e.repo.Push(p.Number, p.Head)
	e.opened(t, p, "synchronize")
	e.reviewed(t)

	if run := e.verdict(t, p.Head); run.Conclusion != "success" || !strings.HasPrefix(run.Title, "No new problems") {
		t.Errorf("check run after the fix: %s %q", run.Conclusion, run.Title)
	}
	if n := len(e.repo.Reviews(p.Number)); n != 1 {
		t.Errorf("%d reviews, want only the first head's", n)
	}
	if n := len(e.repo.ReviewComments(p.Number)); n != threads {
		t.Errorf("%d review comments after the fix, want the %d there were: no reply", n, threads)
	}
	for _, c := range e.repo.ReviewComments(p.Number) {
		if !e.repo.ThreadResolved(c.ID) {
			t.Errorf("the thread of comment %d is still open", c.ID)
		}
	}
	if s := e.summary(t, p.Number); s.Edits != 1 || !strings.Contains(s.Body, "at `"+p.Head[:7]+"`") {
		t.Errorf("the summary (%d edits) does not describe the fixed head:\n%s", s.Edits, s.Body)
	}
	// The token's refusal is remembered: the second review posts statuses
	// straight away.
	if n := e.fake.Count("POST /repos/{owner}/{repo}/check-runs"); e.token && n != 1 {
		t.Errorf("%d check run creations tried with a personal token, want the 1 refused", n)
	}
}

// TestE2ERedeliveryAndReRun: GitHub redelivers with the same delivery id;
// the re-run button sends a new delivery for the same head.
func TestE2ERedeliveryAndReRun(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	body := pullRequestEvent(t, e.repo, "opened", p)
	if code := e.send(t, "pull_request", "first", body); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	for range 3 {
		if code := e.send(t, "pull_request", "first", body); code != http.StatusOK {
			t.Errorf("redelivery: %d, want 200", code)
		}
	}
	e.reviewed(t)
	if code := e.send(t, "check_run", "", checkRunRerequested(t, p)); code != http.StatusAccepted {
		t.Fatalf("re-run: %d, want 202", code)
	}
	e.reviewed(t)

	if n := len(e.repo.Reviews(p.Number)); n != 1 {
		t.Errorf("%d reviews of one head, want 1", n)
	}
	if s := e.summary(t, p.Number); s.Edits != 0 {
		t.Errorf("an unchanged summary was edited %d times", s.Edits)
	}
	runs := e.runsAt(p.Head)
	if len(runs) != 2 {
		t.Errorf("%d check runs, want the first and the re-run's", len(runs))
	}
	for _, r := range runs {
		if r.Status != "completed" || r.Conclusion != "failure" {
			t.Errorf("check run %d: %s %s", r.ID, r.Status, r.Conclusion)
		}
	}
	if n := e.fake.Count("GET /repos/{owner}/{repo}/pulls/{pull_number}/files"); n != 2 {
		t.Errorf("the files were listed %d times, want once per review", n)
	}
}

func TestE2EWrongSignature(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Insecure("web", "8080"))})
	body := pullRequestEvent(t, e.repo, "opened", p)
	for name, signature := range map[string]string{
		"missing":      "",
		"other secret": handlers.Sign([]byte("not-the-secret"), body),
		"sha1":         "sha1=" + strings.Repeat("0", 40),
	} {
		if code := postDelivery(t, e.url, "pull_request", "forged-"+name, signature, body); code != http.StatusUnauthorized {
			t.Errorf("%s signature: %d, want 401", name, code)
		}
	}
	// Signed: the same delivery id is still new, so nothing was recorded.
	if code := e.send(t, "pull_request", "forged-missing", pullRequestEvent(t, e.repo, "closed", p)); code != http.StatusNoContent {
		t.Errorf("a closed pull request: %d, want 204", code)
	}
	time.Sleep(200 * time.Millisecond) // a job would have started by now
	e.reviewed(t)
	if got := e.fake.Requests(); len(got) != 0 {
		t.Errorf("refused deliveries led to %d API calls, first %s %s", len(got), got[0].Method, got[0].Path)
	}
}

func TestE2EOneLineOfALargeInsecureFile(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	var services []string
	for i := range 12 {
		services = append(services, reviewtest.Insecure(string(rune('a'+i)), strconv.Itoa(8000+i)))
	}
	base := reviewtest.Stack(services...)
	head := strings.Replace(base, "  g:\n    image: nginx:1.27", "  g:\n    image: nginx:latest", 1)
	p := e.pull(2, map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	e.opened(t, p, "opened")
	e.reviewed(t)

	changed := reviewtest.LineOf(t, head, "", "nginx:latest")
	comments := e.repo.ReviewComments(p.Number)
	if len(comments) == 0 || !strings.Contains(comments[0].Body, "`image-tag-not-pinned`") {
		t.Fatalf("comments %+v, want one about the mutable tag", comments)
	}
	for _, c := range comments {
		if c.Line != changed {
			t.Errorf("comment on line %d, only line %d changed", c.Line, changed)
		}
	}
	s := e.summary(t, p.Number).Body
	if !strings.Contains(s, "<details><summary>132 existing findings, by rule</summary>") || len(s) > 6<<10 {
		t.Errorf("the summary (%d bytes) does not group the findings the file already had:\n%s", len(s), s)
	}
	if run := e.verdict(t, p.Head); !e.token {
		for _, a := range run.Annotations {
			if a.StartLine != changed {
				t.Errorf("annotation on line %d, only line %d changed", a.StartLine, changed)
			}
		}
	}
}

func TestE2EForkPullRequest(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	p := githubtest.Pull{Number: 3, Title: "From a fork", Fork: true, Base: e.repo.Commit(base),
		Head: e.repo.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})}
	e.repo.AddPull(p)
	e.opened(t, p, "opened")
	e.reviewed(t)
	// A fork's re-run arrives without its pull request: the server knows it
	// from the first delivery.
	if code := e.send(t, "check_run", "", checkRunRerequested(t, p)); code != http.StatusAccepted {
		t.Fatalf("re-run of a fork's check: %d, want 202", code)
	}
	e.reviewed(t)

	for _, r := range e.runsAt(p.Head) {
		if r.Status != "completed" || r.Conclusion != "failure" {
			t.Errorf("check run %s %s", r.Status, r.Conclusion)
		}
	}
	if n := len(e.runsAt(p.Head)); n != 2 {
		t.Errorf("%d check runs, want one per review", n)
	}
	if n := len(e.repo.Reviews(p.Number)); n != 1 || len(e.repo.ReviewComments(p.Number)) == 0 {
		t.Errorf("%d reviews, want one with comments", n)
	}
	e.summary(t, p.Number)
}

func TestE2EPolicyChangeJudgedByTheBasePolicy(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	p := e.pull(2, map[string]string{
		"compose.yaml":      reviewtest.Stack(reviewtest.Hardened("app")),
		".composeguard.yml": "fail_on: high\n",
	}, map[string]string{
		"compose.yaml":      reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080")),
		".composeguard.yml": "fail_on: critical\nrules:\n  privileged-container: off\n",
	})
	e.opened(t, p, "opened")
	e.reviewed(t)

	if run := e.verdict(t, p.Head); run.Conclusion != "failure" {
		t.Errorf("check run %s: the pull request's own policy judged it", run.Conclusion)
	}
	found := false
	for _, c := range e.repo.ReviewComments(p.Number) {
		found = found || strings.Contains(c.Body, "`privileged-container`")
	}
	if !found {
		t.Error("no comment on the rule the pull request turns off")
	}
	s := e.summary(t, p.Number).Body
	for _, want := range []string{"- turn off `privileged-container`", "- raise `fail_on` from high to critical"} {
		if !strings.Contains(s, want) {
			t.Errorf("the summary lacks %q:\n%s", want, s)
		}
	}
}

// TestE2ESecretsAndHostFilesNeverSent: the server's own webhook secret, set
// in its environment, and a host file a compose file names never reach
// GitHub.
func TestE2ESecretsAndHostFilesNeverSent(t *testing.T) {
	t.Parallel()
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil || len(passwd) == 0 {
		t.Skip("no /etc/passwd to leak")
	}
	e := startE2E(t)
	head := reviewtest.Stack(reviewtest.Hardened("app"), `  web:
    image: nginx:1.27
    env_file: /etc/passwd
    environment:
      HOOK: ${GITHUB_WEBHOOK_SECRET}
`)
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	e.opened(t, p, "opened")
	e.reviewed(t)

	var sent strings.Builder
	for _, r := range e.fake.Requests() {
		sent.WriteString(r.Path + "?" + r.Query.Encode() + "\n")
		sent.Write(r.Body)
	}
	checkNothingLeaked(t, "GitHub", sent.String(), passwd, e2eSecret)
}

// checkNothingLeaked fails t when what the server sent a forge holds one of
// secrets or a line of the host's passwd, which the compose file reviewed
// named as its env_file; the review must have reported that file.
func checkNothingLeaked(t *testing.T, forgeName, sent string, passwd []byte, secrets ...string) {
	t.Helper()
	if !strings.Contains(sent, "path-outside-repository") {
		t.Fatal("the env_file outside the repository was not reported: the test proves nothing")
	}
	for _, secret := range secrets {
		if strings.Contains(sent, secret) {
			t.Errorf("a secret of the server's environment was sent to %s (%q)", forgeName, secret)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(passwd)), "\n") {
		if strings.Contains(sent, line) {
			t.Fatalf("a line of /etc/passwd was sent to %s: %q", forgeName, line)
		}
	}
}

// TestE2ERateLimited: the primary rate limit (403, none remaining until a
// reset a second ahead) on creating the check run, then a 429 with
// retry-after on posting the review; both are retried, and nothing is lost
// or posted twice.
func TestE2ERateLimited(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	e.fake.Fail(http.MethodPost, `/check-runs$`, 1, githubtest.RateLimited(time.Now().Add(time.Second)))
	e.fake.Fail(http.MethodPost, `/pulls/2/reviews$`, 1, githubtest.TooManyRequests(time.Second))
	e.opened(t, p, "opened")
	e.reviewed(t)

	limited := 0
	for _, r := range e.fake.Requests() {
		if r.Status == http.StatusForbidden || r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 2 {
		t.Errorf("%d rate-limited answers, want the 2 set up", limited)
	}
	if run := e.verdict(t, p.Head); run.Conclusion != "failure" {
		t.Errorf("check run %s", run.Conclusion)
	}
	if n := len(e.repo.Reviews(p.Number)); n != 1 {
		t.Errorf("%d reviews, want 1", n)
	}
	e.summary(t, p.Number)
}

// TestE2EGivingUpFailsTheCheck: a review that cannot finish completes its
// check run as failed and says why, never leaving it in progress.
func TestE2EGivingUpFailsTheCheck(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Insecure("web", "8080"))})
	// An App installed without a permission it needs: final at once.
	e.fake.Fail(http.MethodGet, `/pulls/2/files$`, 1, githubtest.Fault{Status: http.StatusForbidden, Message: "Resource not accessible by integration"})
	e.opened(t, p, "opened")
	e.reviewed(t)

	run := e.verdict(t, p.Head)
	if run.Conclusion != "failure" || run.Title != "composeguard could not finish" ||
		!strings.HasPrefix(run.Summary, "composeguard could not finish: ") {
		t.Errorf("check run %s %q: %s", run.Conclusion, run.Title, run.Summary)
	}
	if n := len(e.repo.Reviews(p.Number)) + len(e.repo.IssueComments(p.Number)); n != 0 {
		t.Errorf("%d reviews and comments from a review that could not list its files", n)
	}
}
