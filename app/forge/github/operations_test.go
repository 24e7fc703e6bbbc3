package github

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

// TestEveryCallIsARealOperation drives every method and checks each request
// against GitHub's REST description, and that Calls() named each one.
func TestEveryCallIsARealOperation(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": composeBefore}, map[string]string{"compose.yaml": composeAfter})
	c := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.client.PullRequest(c, e.target, 1)
	must(err)
	_, err = e.client.ChangedFiles(c, e.target, 1)
	must(err)
	snap, err := e.client.Snapshot(c, e.target, p.Head)
	must(err)
	_, err = snap.ReadFile("compose.yaml")
	must(err)
	id, err := e.client.CreateCheckRun(c, e.target, forge.CheckRun{Name: "composeguard", HeadSHA: p.Head, Status: forge.StatusInProgress})
	must(err)
	must(e.client.UpdateCheckRun(c, e.target, id, forge.CheckRun{Name: "composeguard", Status: forge.StatusCompleted,
		Conclusion: forge.ConclusionSuccess, Title: "ok", Summary: "ok", Annotations: annotations(1)}))
	_, err = e.client.CheckRuns(c, e.target, p.Head, "composeguard")
	must(err)
	must(e.client.CreateReview(c, e.target, 1, forge.Review{CommitSHA: p.Head, Body: "review",
		Comments: []forge.InlineComment{{Path: "compose.yaml", Line: 12, Body: "privileged"}}}))
	_, err = e.client.ReviewComments(c, e.target, 1)
	must(err)
	threads, err := e.client.ReviewThreads(c, e.target, 1)
	must(err)
	must(e.client.ResolveThread(c, e.target, threads[0].ID))
	_, err = e.client.IssueComments(c, e.target, 1)
	must(err)
	_, err = e.client.Login(c)
	must(err)
	_, err = e.client.OpenPullRequestsAt(c, e.target, p.Head)
	must(err)
	cid, err := e.client.CreateIssueComment(c, e.target, 1, "summary")
	must(err)
	must(e.client.EditIssueComment(c, e.target, 1, cid, "summary v2"))

	calls := e.client.Calls()
	for _, counts := range []Counts{calls.API, calls.Content, calls.Auth} {
		for op := range counts {
			method, p, _ := strings.Cut(op, " ")
			if _, pattern := operations.Handler(&http.Request{Method: method, URL: &url.URL{Path: p}}); pattern != op {
				t.Errorf("Calls() has an unnamed operation %q", op)
			}
		}
	}
	if n := calls.API.Total() + calls.Content.Total() + calls.Auth.Total(); n != len(e.fake.Requests()) {
		t.Errorf("Calls() counted %d requests, the fake received %d", n, len(e.fake.Requests()))
	}
	e.fake.CheckOperations(t)
}
