package gitlab

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
)

const (
	token = "glpat-test-token-1f2e"
	bot   = "composeguard-bot"
)

type env struct {
	fake    *gitlabtest.Fake
	project *gitlabtest.Project
	client  *Client
	target  forge.Repo
}

// newEnv is a client of a fake instance holding acme/platform/stack, a
// project of a subgroup.
func newEnv(t *testing.T) *env {
	t.Helper()
	fake := gitlabtest.New(t)
	fake.AddUser(token, bot)
	client, err := New(Options{URL: fake.URL, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		fake.CheckOperations(t)
		// Each request is counted in /metrics under its route (apicalls.go).
		for _, r := range fake.Requests() {
			u, err := url.Parse(fake.URL + r.Path)
			if err != nil {
				t.Fatal(err)
			}
			if op := operation(&http.Request{Method: r.Method, URL: u}); op == forgekit.OtherOperation {
				t.Errorf("%s %s is counted as %q: add its route to apicalls.go", r.Method, r.Path, op)
			}
		}
	})
	return &env{fake: fake, project: fake.AddProject("acme/platform/stack"), client: client,
		target: forge.Repo{Forge: forge.GitLab, Owner: "acme/platform", Name: "stack"}}
}

func (e *env) mergeRequest(base, head map[string]string) gitlabtest.MergeRequest {
	mr := gitlabtest.MergeRequest{IID: 1, Title: "Change", Base: e.project.Commit(base), Head: e.project.Commit(head)}
	e.project.AddMergeRequest(mr)
	return mr
}

func TestMergeRequestAndItsDiffs(t *testing.T) {
	e := newEnv(t)
	base := map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx\n", "old.yaml": "services: {}\n", "gone.txt": "x\n"}
	head := map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    read_only: true\n", "new.yaml": "services: {}\n"}
	for i := range 30 { // more than GitLab's default page of 20
		head[fmt.Sprintf("stacks/s%02d.yaml", i)] = "services: {}\n"
	}
	mr := e.mergeRequest(base, head)
	pr, err := e.client.PullRequest(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	if pr.HeadSHA != mr.Head || pr.BaseSHA != mr.Base || !pr.Open || pr.FromFork || pr.BaseRef != "main" {
		t.Errorf("PullRequest = %+v", pr)
	}
	files, err := e.client.ChangedFiles(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = fmt.Sprintf("%s %s added %v", f.Status, f.PreviousPath, slices.Sorted(maps.Keys(f.Added)))
	}
	if len(files) != 33 || got["compose.yaml"] != "modified  added [3 4]" || got["new.yaml"] != "renamed old.yaml added []" || got["gone.txt"] != "removed  added []" {
		t.Errorf("%d files: %v", len(files), got)
	}
}

func TestSnapshotPagesAndSharesBlobs(t *testing.T) {
	e := newEnv(t)
	files := map[string]string{}
	for i := range 150 { // two keyset pages of files, and folders
		files[fmt.Sprintf("stacks/s%03d/compose.yaml", i)] = "services: {}\n"
	}
	files["compose.yaml"] = "services:\n  web:\n    image: nginx\n"
	first, second := e.project.Commit(files), e.project.Commit(files)
	for _, sha := range []string{first, second} {
		snap, err := e.client.Snapshot(t.Context(), e.target, sha)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(snap.Paths()); n != 151 {
			t.Fatalf("%d paths, want 151", n)
		}
		for p, content := range files {
			if b, err := snap.ReadFile(p); err != nil || string(b) != content {
				t.Fatalf("ReadFile(%s) = %q, %v", p, b, err)
			}
		}
		if _, err := snap.ReadFile("missing.yaml"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a missing file: %v", err)
		}
	}
	if n := e.fake.Count("GET /projects/{id}/repository/blobs/{sha}/raw"); n != 2 {
		t.Errorf("%d blobs fetched for two distinct contents", n)
	}
	for _, r := range e.fake.Requests() {
		if r.Pattern == "GET /projects/{id}/repository/tree" && r.Query.Get("pagination") != "keyset" {
			t.Errorf("tree listed without keyset pagination: %v", r.Query)
		}
	}
	if n := e.fake.Count("GET /projects/{id}/repository/tree"); n != 2*4 {
		t.Errorf("%d tree pages for 2 commits of 301 entries, want 8", n)
	}
}

func TestLargeBlobIsNotReadWhole(t *testing.T) {
	e := newEnv(t)
	sha := e.project.Commit(map[string]string{"compose.yaml": strings.Repeat("#", compose.MaxFileSize+10)})
	snap, err := e.client.Snapshot(t.Context(), e.target, sha)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snap.ReadFile("compose.yaml"); !errors.Is(err, compose.ErrTooLarge) {
		t.Errorf("ReadFile = %v, want compose.ErrTooLarge", err)
	}
	if err := snap.(*forgekit.Snapshot).Err(); err != nil {
		t.Errorf("a file too large is no failed read: %v", err)
	}
}

func TestStatusFollowsTheStateMachine(t *testing.T) {
	e := newEnv(t)
	mr := e.mergeRequest(map[string]string{"a": "1"}, map[string]string{"a": "2"})
	run := forge.CheckRun{Name: forge.CheckName, HeadSHA: mr.Head, Number: 1, Status: forge.StatusInProgress, Title: "Reviewing…"}
	for range 2 { // the second is refused by GitLab as already running
		if _, err := e.client.CreateCheckRun(t.Context(), e.target, run); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := e.client.CheckRuns(t.Context(), e.target, mr.Head, forge.CheckName)
	if err != nil || len(runs) != 1 || runs[0].Status != forge.StatusInProgress {
		t.Fatalf("CheckRuns = %+v, %v", runs, err)
	}
	e.fake.Fail(http.MethodPost, `/statuses/`, 2, gitlabtest.Conflict())
	run.Status, run.Conclusion, run.Title = forge.StatusCompleted, forge.ConclusionFailure, strings.Repeat("long title ", 40)
	if err := e.client.UpdateCheckRun(t.Context(), e.target, runs[0].ID, run); err != nil {
		t.Fatalf("UpdateCheckRun after two 409s: %v", err)
	}
	statuses := e.project.Statuses()
	if len(statuses) != 1 || !slices.Equal(statuses[0].History, []string{"running", "failed"}) || statuses[0].Author != bot {
		t.Fatalf("statuses %+v, want one job running then failed", statuses)
	}
	s := statuses[0]
	if !strings.HasSuffix(s.TargetURL, "/acme/platform/stack/-/merge_requests/1") || len([]rune(s.Description)) != 255 || !strings.HasSuffix(s.Description, "…") {
		t.Errorf("target %q, description of %d characters", s.TargetURL, len([]rune(s.Description)))
	}
	runs, err = e.client.CheckRuns(t.Context(), e.target, mr.Head, forge.CheckName)
	if err != nil || len(runs) != 1 || runs[0].Conclusion != forge.ConclusionFailure {
		t.Errorf("CheckRuns after = %+v, %v", runs, err)
	}
}

func TestStatusRetriesGiveUpToTheJob(t *testing.T) {
	e := newEnv(t)
	mr := e.mergeRequest(map[string]string{"a": "1"}, map[string]string{"a": "2"})
	e.fake.Fail(http.MethodPost, `/statuses/`, statusAttempts, gitlabtest.ServerError())
	_, err := e.client.CreateCheckRun(t.Context(), e.target, forge.CheckRun{Name: forge.CheckName, HeadSHA: mr.Head, Status: forge.StatusInProgress})
	var retry *forge.RetryableError
	if !errors.As(err, &retry) {
		t.Errorf("after %d 502s: %v, want a retryable error", statusAttempts, err)
	}
	e.fake.Fail(http.MethodPost, `/statuses/`, 1, gitlabtest.TooManyRequests(30*time.Second))
	_, err = e.client.CreateCheckRun(t.Context(), e.target, forge.CheckRun{Name: forge.CheckName, HeadSHA: mr.Head, Status: forge.StatusInProgress})
	if !errors.As(err, &retry) || retry.After != 30*time.Second {
		t.Errorf("a 429 with Retry-After 30: %v, want it left to the job", err)
	}
}

func TestDiscussionsPlacedOnAddedLinesOnly(t *testing.T) {
	e := newEnv(t)
	base := "services:\n  web:\n    image: nginx\n"
	head := "services:\n  web:\n    image: nginx\n    privileged: true\n"
	mr := e.mergeRequest(map[string]string{"compose.yaml": base}, map[string]string{"compose.yaml": head})
	err := e.client.CreateReview(t.Context(), e.target, 1, forge.Review{CommitSHA: mr.Head, Body: "review", Comments: []forge.InlineComment{
		{Path: "compose.yaml", Line: 4, Body: "privileged <!-- composeguard:fingerprint=aa -->"},
		{Path: "compose.yaml", Line: 3, Body: "context line"},
		{Path: "compose.yaml", Line: 4, Body: "again <!-- composeguard:fingerprint=bb -->"},
	}})
	var placement *forge.PlacementError
	if !errors.As(err, &placement) || !slices.Equal(placement.Refused, []int{1}) || !errors.Is(err, forge.ErrUnprocessable) {
		t.Fatalf("CreateReview = %v, want comment 1 refused", err)
	}
	e.project.AddNote(1, "mallory", "<!-- composeguard:fingerprint=cc --> <!-- composeguard:summary -->")
	comments, err := e.client.ReviewComments(t.Context(), e.target, 1)
	if err != nil || len(comments) != 2 || comments[0].Line != 4 || comments[0].Path != "compose.yaml" || comments[0].Author != bot {
		t.Fatalf("ReviewComments = %+v, %v", comments, err)
	}
	if notes, err := e.client.IssueComments(t.Context(), e.target, 1); err != nil || len(notes) != 0 {
		t.Errorf("IssueComments = %+v, %v: another user's note is not the bot's", notes, err)
	}
	threads, err := e.client.ReviewThreads(t.Context(), e.target, 1)
	if err != nil || len(threads) != 2 || threads[0].FirstComment != comments[0].ID || threads[0].Author != bot || threads[0].Resolved {
		t.Fatalf("ReviewThreads = %+v, %v", threads, err)
	}
	if err := e.client.ResolveThread(t.Context(), e.target, threads[0].ID); err != nil {
		t.Fatal(err)
	}
	d := e.project.Discussions(1)
	if len(d) != 2 || len(d[0].Notes) != 1 || !d[0].Resolved || d[1].Resolved {
		t.Errorf("discussions %+v, want the first resolved without a note", d)
	}
}

func TestSuggestionSpansTheCommentsLines(t *testing.T) {
	body := "`web` · 2 new problems\n\n````suggestion\n    read_only: true\n````\n"
	got := spanSuggestion(forge.InlineComment{StartLine: 3, Line: 7, Body: body})
	if want := strings.Replace(body, "````suggestion\n", "````suggestion:-4+0\n", 1); got != want {
		t.Errorf("spanSuggestion = %q, want %q", got, want)
	}
	if got := spanSuggestion(forge.InlineComment{Line: 7, Body: body}); got != body {
		t.Errorf("a one-line comment was changed: %q", got)
	}
}

func TestSummaryNoteEditedInPlace(t *testing.T) {
	e := newEnv(t)
	e.mergeRequest(map[string]string{"a": "1"}, map[string]string{"a": "2"})
	id, err := e.client.CreateIssueComment(t.Context(), e.target, 1, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.EditIssueComment(t.Context(), e.target, 1, id, "v2"); err != nil {
		t.Fatal(err)
	}
	notes, err := e.client.IssueComments(t.Context(), e.target, 1)
	if err != nil || len(notes) != 1 || notes[0].Body != "v2" || notes[0].ID != id {
		t.Errorf("IssueComments = %+v, %v", notes, err)
	}
	if err := e.client.EditIssueComment(t.Context(), e.target, 1, 999999, "x"); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("editing a missing note: %v", err)
	}
}

func TestErrorsAreSorted(t *testing.T) {
	e := newEnv(t)
	e.mergeRequest(map[string]string{"a": "1"}, map[string]string{"a": "2"})
	wrong, err := New(Options{URL: e.fake.URL, Token: "glpat-wrong"})
	if err != nil {
		t.Fatal(err)
	}
	var retry *forge.RetryableError
	if _, err := wrong.PullRequest(t.Context(), e.target, 1); err == nil || errors.As(err, &retry) || strings.Contains(err.Error(), "glpat") {
		t.Errorf("a wrong token: %v, want a final error that does not quote it", err)
	}
	if _, err := e.client.PullRequest(t.Context(), e.target, 9); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("a missing merge request: %v", err)
	}
	e.fake.Fail(http.MethodGet, `/merge_requests/1$`, 1, gitlabtest.TooManyRequests(7*time.Second))
	if _, err := e.client.PullRequest(t.Context(), e.target, 1); !errors.As(err, &retry) || retry.After != 7*time.Second {
		t.Errorf("a 429: %v, want retryable after 7s", err)
	}
	if q, ok := e.client.Quota(e.target); !ok || q.Remaining != 0 || q.Limit != 2000 || !q.Below(0.2, time.Now()) {
		t.Errorf("the token's quota after a 429: %+v, %v; want none left until the reset", q, ok)
	}
	e.fake.Fail(http.MethodGet, `/diffs$`, 1, gitlabtest.ServerError())
	if _, err := e.client.ChangedFiles(t.Context(), e.target, 1); !errors.As(err, &retry) {
		t.Errorf("a 502: %v, want retryable", err)
	}
	if n := len(e.fake.Requests()); n != 4 {
		t.Errorf("%d requests: the client retried on its own", n)
	}
}

func TestFileURL(t *testing.T) {
	c, err := New(Options{URL: "https://git.example.com/gitlab/", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	got := c.FileURL(forge.Repo{Owner: "acme/platform", Name: "stack"}, "abc123", "stacks/web app/compose.yaml", 12)
	if want := "https://git.example.com/gitlab/acme/platform/stack/-/blob/abc123/stacks/web%20app/compose.yaml#L12"; got != want {
		t.Errorf("FileURL = %s, want %s", got, want)
	}
}

// TestOpenMergeRequestsAtAHead: the open merge requests whose head is the
// commit, whichever their target; a closed one and one elsewhere are not.
func TestOpenMergeRequestsAtAHead(t *testing.T) {
	e := newEnv(t)
	mr := e.mergeRequest(map[string]string{"a": "1\n"}, map[string]string{"a": "2\n"})
	e.project.AddMergeRequest(gitlabtest.MergeRequest{IID: 2, Title: "Same head", Base: mr.Base, Head: mr.Head})
	e.project.AddMergeRequest(gitlabtest.MergeRequest{IID: 3, Title: "Closed", Base: mr.Base, Head: mr.Head, Closed: true})
	e.project.AddMergeRequest(gitlabtest.MergeRequest{IID: 4, Title: "Elsewhere", Base: mr.Base, Head: mr.Base})
	prs, err := e.client.OpenPullRequestsAt(t.Context(), e.target, mr.Head)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pr := range prs {
		got = append(got, fmt.Sprintf("!%d %s open=%v", pr.Number, pr.BaseRef, pr.Open))
	}
	if strings.Join(got, ", ") != "!1 main open=true, !2 main open=true" {
		t.Errorf("merge requests at the head: %v", got)
	}
}

// A review's status links its report page once there is one, the merge
// request until then.
func TestStatusLinksTheReportPage(t *testing.T) {
	e := newEnv(t)
	mr := e.mergeRequest(map[string]string{"a": "1"}, map[string]string{"a": "2"})
	run := forge.CheckRun{Name: forge.CheckName, HeadSHA: mr.Head, Number: 1, Status: forge.StatusInProgress}
	id, err := e.client.CreateCheckRun(t.Context(), e.target, run)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.project.Statuses()[0]; !strings.HasSuffix(s.TargetURL, "/merge_requests/1") {
		t.Errorf("running status links %q, want the merge request", s.TargetURL)
	}
	run.Status, run.Conclusion, run.DetailsURL = forge.StatusCompleted, forge.ConclusionSuccess, "https://cg.example.com/report/k?expires=1&sig=s"
	if err := e.client.UpdateCheckRun(t.Context(), e.target, id, run); err != nil {
		t.Fatal(err)
	}
	if s := e.project.Statuses()[0]; s.TargetURL != run.DetailsURL {
		t.Errorf("final status links %q, want the report page", s.TargetURL)
	}
}
