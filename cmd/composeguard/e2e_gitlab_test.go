package main

// The GitLab end-to-end tests drive the real server, configured for GitLab
// alone, over HTTP with merge request events shaped like GitLab's (the real
// payloads of ../shared/gitlab/payloads), against the fake GitLab of
// gitlabtest, and assert what the fake received.

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

const (
	e2eGitLabToken   = "glpat-e2e-bot-token-3b9d"
	e2eGitLabSecret  = "e2e-gitlab-hook-token-71c4"
	e2eGitLabBot     = "composeguard-bot"
	e2eGitLabProject = "acme/platform/stack"
	summaryMarker    = "<!-- composeguard:summary -->"
)

// gitlabE2E is one server reviewing on the fake GitLab.
type gitlabE2E struct {
	fake    *gitlabtest.Fake
	project *gitlabtest.Project
	url, db string
	logs    *logBuffer
	updates atomic.Int64
}

// startGitLabE2E starts a GitLab-only server in this process; it stops when
// the test ends, after the test checked that every request it sent is one
// client-go makes and that no secret reached the log.
func startGitLabE2E(t testing.TB) *gitlabE2E {
	t.Helper()
	return startGitLabE2EWith(t, nil)
}

// startGitLabE2EWith starts it with the settings of extra too.
func startGitLabE2EWith(t testing.TB, extra map[string]string) *gitlabE2E {
	t.Helper()
	e := &gitlabE2E{fake: gitlabtest.New(t), db: filepath.Join(t.TempDir(), "composeguard.db")}
	e.fake.AddUser(e2eGitLabToken, e2eGitLabBot)
	e.project = e.fake.AddProject(e2eGitLabProject)
	env := map[string]string{
		"COMPOSEGUARD_LISTEN":       "127.0.0.1:0",
		"COMPOSEGUARD_DATABASE_URL": "sqlite://" + e.db,
		"GITLAB_URL":                e.fake.URL,
		"GITLAB_TOKEN":              e2eGitLabToken,
		"GITLAB_WEBHOOK_SECRET":     e2eGitLabSecret,
	}
	maps.Copy(env, extra)
	e.url, e.logs, _ = startServer(t, env)
	t.Cleanup(func() {
		e.fake.CheckOperations(t)
		for _, secret := range []string{e2eGitLabToken, e2eGitLabSecret} {
			if strings.Contains(e.logs.String(), secret) {
				t.Errorf("the server logged a secret (%q)", secret)
			}
		}
	})
	return e
}

// mergeRequest opens merge request iid from base to head files.
func (e *gitlabE2E) mergeRequest(iid int64, base, head map[string]string) gitlabtest.MergeRequest {
	mr := gitlabtest.MergeRequest{IID: iid, Title: "Change the stack", Base: e.project.Commit(base), Head: e.project.Commit(head)}
	e.project.AddMergeRequest(mr)
	return mr
}

// mergeRequestEvent is GitLab's merge request event of action for mr, made
// from the real payload; oldrev is set for an update that pushed commits.
func mergeRequestEvent(t testing.TB, action string, mr gitlabtest.MergeRequest, oldrev string, updated int64) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "gitlab", "payloads", "merge_request.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("GitLab's payloads are absent: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	object(doc["project"])["path_with_namespace"] = e2eGitLabProject
	object(doc["project"])["default_branch"] = "main" // the fake project's
	attrs := object(doc["object_attributes"])
	attrs["target_branch"] = cmp.Or(mr.TargetBranch, "main")
	attrs["action"], attrs["iid"], attrs["draft"] = action, mr.IID, mr.Draft
	attrs["updated_at"] = time.Unix(1_700_000_000+updated, 0).UTC().Format(time.RFC3339)
	object(attrs["last_commit"])["id"] = mr.Head
	if oldrev != "" {
		attrs["oldrev"] = oldrev
	}
	return marshal(t, doc)
}

// deliver posts body as GitLab does with token and, when set, an
// Idempotency-Key, and returns the status.
func (e *gitlabE2E) deliver(t testing.TB, token, key string, body []byte) int {
	t.Helper()
	return e.deliverEvent(t, "Merge Request Hook", token, key, body)
}

// deliverEvent posts body as GitLab posts event (X-Gitlab-Event).
func (e *gitlabE2E) deliverEvent(t testing.TB, event, token, key string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+"/webhooks/gitlab", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitLab/17.6.0")
	req.Header.Set("X-Gitlab-Event", event)
	req.Header.Set("X-Gitlab-Instance", e.fake.URL)
	req.Header.Set("X-Gitlab-Webhook-UUID", fmt.Sprintf("2f0c8e1a-0000-4000-8000-%012d", e.updates.Add(1)))
	if token != "" {
		req.Header.Set("X-Gitlab-Token", token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// send delivers action for mr and expects it queued.
func (e *gitlabE2E) send(t testing.TB, action string, mr gitlabtest.MergeRequest, oldrev string) {
	t.Helper()
	if code := e.deliver(t, e2eGitLabSecret, "", mergeRequestEvent(t, action, mr, oldrev, e.updates.Add(1))); code != http.StatusAccepted {
		t.Fatalf("merge request %s: %d, want 202", action, code)
	}
}

func (e *gitlabE2E) reviewed(t testing.TB) {
	t.Helper()
	waitIdle(t, openDB(t, "sqlite://"+e.db), 30*time.Second)
}

// verdict is the one composeguard status at head, posted once finished.
func (e *gitlabE2E) verdict(t testing.TB, head string, iid int64) gitlabtest.Status {
	t.Helper()
	var at []gitlabtest.Status
	for _, s := range e.project.Statuses() {
		if s.SHA == head {
			at = append(at, s)
		}
	}
	if len(at) != 1 {
		t.Fatalf("%d status jobs at %s, want 1: %+v", len(at), head, at)
	}
	s := at[0]
	if s.Name != "composeguard" || s.Author != e2eGitLabBot || len(s.History) != 1 || s.History[0] == "running" ||
		!strings.HasSuffix(s.TargetURL, fmt.Sprintf("/%s/-/merge_requests/%d", e2eGitLabProject, iid)) {
		t.Errorf("status %+v, want composeguard by the bot, finished, linking the merge request", s)
	}
	return s
}

// summary is the one summary note of a merge request.
func (e *gitlabE2E) summary(t testing.TB, iid int64) gitlabtest.Discussion {
	t.Helper()
	var found []gitlabtest.Discussion
	for _, n := range e.project.Notes(iid) {
		if strings.HasPrefix(n.Notes[0].Body, summaryMarker) && n.Notes[0].Author == e2eGitLabBot {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d summary notes, want 1: %+v", len(found), e.project.Notes(iid))
	}
	return found[0]
}

func TestGitLabE2ENewInsecureService(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	e.send(t, "open", mr, "")
	e.reviewed(t)

	if s := e.verdict(t, mr.Head, mr.IID); s.State != "failed" || !strings.Contains(s.Description, "new problems · score 10.0 → ") {
		t.Errorf("status %s %q, want failed naming the new problems and the score", s.State, s.Description)
	}
	threads := e.project.Discussions(mr.IID)
	if len(threads) != 1 || len(threads[0].Notes) != 1 {
		t.Fatalf("%d diff discussions, want one for the new service: %+v", len(threads), threads)
	}
	n := threads[0].Notes[0]
	webStart, webEnd := reviewtest.LineOf(t, head, "", "web:"), reviewtest.LineOf(t, head, "web:", `"8080:80"`)
	if n.Path != "compose.yaml" || n.Line < webStart || n.Line > webEnd || n.Author != e2eGitLabBot {
		t.Errorf("note on %s:%d by %s, want on web's lines %d-%d", n.Path, n.Line, n.Author, webStart, webEnd)
	}
	for _, rule := range []string{"privileged-container", "port-bound-all-interfaces", "no-new-privileges-missing"} {
		if !strings.Contains(n.Body, "`"+rule+"`") {
			t.Errorf("the discussion does not list %s", rule)
		}
	}
	if !strings.Contains(n.Body, "```suggestion") {
		t.Errorf("want a suggestion in:\n%s", n.Body)
	}
	if s := e.summary(t, mr.IID); !strings.Contains(s.Notes[0].Body, "| **Overall** | **10.0** |") {
		t.Errorf("the summary lacks the score:\n%s", s.Notes[0].Body)
	}
}

func TestGitLabE2EFixingPush(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	mr := e.mergeRequest(2, base, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	e.send(t, "open", mr, "")
	e.reviewed(t)
	if len(e.project.Discussions(mr.IID)) == 0 {
		t.Fatal("the insecure head got no discussion: the test proves nothing")
	}

	old := mr.Head
	mr.Head = e.project.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Hardened("web"))})
	e.project.Push(mr.IID, mr.Head)
	e.send(t, "update", mr, old)
	e.reviewed(t)

	if s := e.verdict(t, mr.Head, mr.IID); s.State != "success" || !strings.HasPrefix(s.Description, "No new problems") {
		t.Errorf("status after the fix: %s %q", s.State, s.Description)
	}
	for _, d := range e.project.Discussions(mr.IID) {
		if !d.Resolved || len(d.Notes) != 1 {
			t.Errorf("discussion %s: resolved %t with %d notes, want resolved without a reply", d.ID, d.Resolved, len(d.Notes))
		}
	}
	if s := e.summary(t, mr.IID); s.Edits != 1 || !strings.Contains(s.Notes[0].Body, "at `"+mr.Head[:7]+"`") {
		t.Errorf("the summary (%d edits) does not describe the fixed head:\n%s", s.Edits, s.Notes[0].Body)
	}
	// A title edit changes no code: nothing is reviewed.
	if code := e.deliver(t, e2eGitLabSecret, "", mergeRequestEvent(t, "update", mr, "", e.updates.Add(1))); code != http.StatusNoContent {
		t.Errorf("a metadata update: %d, want 204", code)
	}
}

// TestGitLabE2ERedelivery: GitLab retries an event whose answer it did not
// get, with the same Idempotency-Key from 17.4 on, and without one before.
func TestGitLabE2ERedelivery(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	body := mergeRequestEvent(t, "open", mr, "", 1)
	if code := e.deliver(t, e2eGitLabSecret, "", body); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	for range 2 {
		if code := e.deliver(t, e2eGitLabSecret, "", body); code != http.StatusOK {
			t.Errorf("a retry without a key: %d, want 200", code)
		}
	}
	reopen := mergeRequestEvent(t, "reopen", mr, "", 2)
	key := "8d3e7c1a-5b2f-4e6d-9c8b-7a6f5e4d3c2b"
	e.reviewed(t)
	if code := e.deliver(t, e2eGitLabSecret, key, reopen); code != http.StatusAccepted {
		t.Fatalf("reopen: %d", code)
	}
	if code := e.deliver(t, e2eGitLabSecret, key, reopen); code != http.StatusOK {
		t.Errorf("a retry with its key: %d, want 200", code)
	}
	e.reviewed(t)

	if n := len(e.project.Discussions(mr.IID)); n != 1 {
		t.Errorf("%d discussions after two reviews of one head, want 1", n)
	}
	if s := e.summary(t, mr.IID); s.Edits != 0 {
		t.Errorf("an unchanged summary was edited %d times", s.Edits)
	}
	if n := e.fake.Count("GET /projects/{id}/merge_requests/{iid}/diffs"); n != 2 {
		t.Errorf("the diffs were read %d times, want once per review (open, reopen)", n)
	}
	var states []string
	for _, s := range e.project.Statuses() {
		states = append(states, s.State)
	}
	if !slices.Equal(states, []string{"failed", "failed"}) {
		t.Errorf("status jobs %v, want one failed per review", states)
	}
}

func TestGitLabE2EWrongToken(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Insecure("web", "8080"))})
	body := mergeRequestEvent(t, "open", mr, "", 1)
	for name, token := range map[string]string{"missing": "", "wrong": "not-the-token", "partial": e2eGitLabSecret[:8], "longer": e2eGitLabSecret + "0"} {
		if code := e.deliver(t, token, "", body); code != http.StatusUnauthorized {
			t.Errorf("%s token: %d, want 401", name, code)
		}
	}
	time.Sleep(200 * time.Millisecond) // a job would have started by now
	e.reviewed(t)
	if got := e.fake.Requests(); len(got) != 0 {
		t.Errorf("refused deliveries led to %d API calls, first %s %s", len(got), got[0].Method, got[0].Path)
	}
	// The same event with the right token is still new.
	e.send(t, "open", mr, "")
}

func TestGitLabE2EOneLineOfALargeInsecureFile(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	var services []string
	for i := range 12 {
		services = append(services, reviewtest.Insecure(string(rune('a'+i)), strconv.Itoa(8000+i)))
	}
	base := reviewtest.Stack(services...)
	head := strings.Replace(base, "  g:\n    image: nginx:1.27", "  g:\n    image: nginx:latest", 1)
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	e.send(t, "open", mr, "")
	e.reviewed(t)

	changed := reviewtest.LineOf(t, head, "", "nginx:latest")
	threads := e.project.Discussions(mr.IID)
	if len(threads) != 1 || !strings.Contains(threads[0].Notes[0].Body, "`image-tag-not-pinned`") || threads[0].Notes[0].Line != changed {
		t.Fatalf("discussions %+v, want one about the mutable tag on line %d", threads, changed)
	}
	if s := e.summary(t, mr.IID).Notes[0].Body; !strings.Contains(s, "existing") {
		t.Errorf("the summary does not mention the findings the file already had:\n%s", s)
	}
}

// TestGitLabE2ESecretsNeverSent: the server's own token and webhook secret,
// named in a compose file's interpolation, and a host file it names never
// reach GitLab.
func TestGitLabE2ESecretsNeverSent(t *testing.T) {
	t.Parallel()
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil || len(passwd) == 0 {
		t.Skip("no /etc/passwd to leak")
	}
	e := startGitLabE2E(t)
	head := reviewtest.Stack(reviewtest.Hardened("app"), `  web:
    image: nginx:1.27
    env_file: /etc/passwd
    environment:
      TOKEN: ${GITLAB_TOKEN}
      HOOK: ${GITLAB_WEBHOOK_SECRET:-x}
`)
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	e.send(t, "open", mr, "")
	e.reviewed(t)

	var sent strings.Builder
	for _, r := range e.fake.Requests() {
		sent.WriteString(r.Path + "?" + r.Query.Encode() + "\n")
		sent.Write(r.Body)
	}
	checkNothingLeaked(t, "GitLab", sent.String(), passwd, e2eGitLabToken, e2eGitLabSecret)
}

// TestGitLabE2EAliasBomb: a billion laughs in a merge request is refused
// at once as an invalid file; the review finishes and fails the status.
func TestGitLabE2EAliasBomb(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	var b strings.Builder
	b.WriteString("x-l0: &l0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "x-l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	b.WriteString("services:\n  web:\n    image: nginx:1.27\n    command: *l9\n")
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": b.String()})
	start := time.Now()
	e.send(t, "open", mr, "")
	e.reviewed(t)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the review of an alias bomb took %s", took)
	}
	if s := e.verdict(t, mr.Head, mr.IID); s.State != "failed" {
		t.Errorf("status %s %q, want failed", s.State, s.Description)
	}
	if s := e.summary(t, mr.IID).Notes[0].Body; !strings.Contains(s, "compose-invalid") {
		t.Errorf("the summary does not report the invalid file:\n%s", s)
	}
}

// TestGitLabE2EFailuresRetried: a 429 with Retry-After on reading the merge
// request, a 502 on starting a discussion and 409s on the status are
// retried; nothing is lost or posted twice, and the status is not left
// running.
func TestGitLabE2EFailuresRetried(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"), reviewtest.Insecure("api", "9090"))})
	e.fake.Fail(http.MethodGet, `/merge_requests/2$`, 1, gitlabtest.TooManyRequests(time.Second))
	e.fake.Fail(http.MethodPost, `/statuses/`, 2, gitlabtest.Conflict())
	// The second discussion fails: the first is posted, and the retry
	// must not post it again.
	unavailable := gitlabtest.ServerError()
	unavailable.Header = http.Header{"Retry-After": {"1"}}
	e.fake.FailAfter(http.MethodPost, `/discussions$`, 1, 1, unavailable)
	e.send(t, "open", mr, "")
	e.reviewed(t)

	if s := e.verdict(t, mr.Head, mr.IID); s.State != "failed" {
		t.Errorf("status %s", s.State)
	}
	if n := len(e.project.Discussions(mr.IID)); n != 2 {
		t.Errorf("%d discussions, want one per new service", n)
	}
	e.summary(t, mr.IID)
	failed := 0
	for _, r := range e.fake.Requests() {
		if r.Status >= 400 {
			failed++
		}
	}
	if failed != 4 {
		t.Errorf("%d failed answers, want the 4 set up", failed)
	}
}

// TestGitLabE2EGivingUpFailsTheStatus: a review that cannot finish (a token
// refused the merge request's diffs) finishes its status as failed, never
// leaving it running, and posts nothing else.
func TestGitLabE2EGivingUpFailsTheStatus(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Insecure("web", "8080"))})
	e.fake.Fail(http.MethodGet, `/diffs$`, 1, gitlabtest.Fault{Status: http.StatusForbidden, Message: "403 Forbidden"})
	e.send(t, "open", mr, "")
	e.reviewed(t)

	if s := e.verdict(t, mr.Head, mr.IID); s.State != "failed" || s.Description != "composeguard could not finish" {
		t.Errorf("status %s %q, want failed saying why", s.State, s.Description)
	}
	if n := len(e.project.Discussions(mr.IID)) + len(e.project.Notes(mr.IID)); n != 0 {
		t.Errorf("%d discussions and notes from a review that could not read the diffs", n)
	}
}
