package github

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

// tokenClient is a client with token, which the fake accepts.
func (e *env) tokenClient(t *testing.T, token string) *Client {
	t.Helper()
	c, err := NewTokenClient(Options{APIURL: e.fake.URL, Token: token, Transport: e.wire})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// personalClient acts with alice's personal access token, which GitHub
// lets write no check runs.
func (e *env) personalClient(t *testing.T) *Client {
	e.fake.AllowPersonalToken("ghp_alice", "alice")
	return e.tokenClient(t, "ghp_alice")
}

// statusLog sums up the repository's commit statuses, oldest first.
func statusLog(r *githubtest.Repo) string {
	var out []string
	for _, s := range r.Statuses() {
		out = append(out, fmt.Sprintf("%s %s by %s: %s", s.Context, s.State, s.Creator, s.Description))
	}
	return strings.Join(out, " | ")
}

func TestPersonalTokenPostsCommitStatuses(t *testing.T) {
	e := newEnv(t)
	c := e.personalClient(t)
	ctx := t.Context()
	head := e.repo.Commit(nil)
	if runs, err := c.CheckRuns(ctx, e.target, head, "composeguard"); err != nil || len(runs) != 0 {
		t.Fatalf("CheckRuns before any = %+v, %v", runs, err)
	}
	id, err := c.CreateCheckRun(ctx, e.target, forge.CheckRun{Name: "composeguard", HeadSHA: head,
		Status: forge.StatusInProgress, ExternalID: "acme/stack#1@" + head, Title: "Reviewing…", Summary: "auditing"})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := c.CheckRuns(ctx, e.target, head, "composeguard")
	want := fmt.Sprintf("[{ID:%d Name:composeguard HeadSHA:%s Status:in_progress Title:Reviewing…}]", id, head)
	if err != nil || brief(runs) != want {
		t.Errorf("CheckRuns in progress = %s, %v; want %s", brief(runs), err, want)
	}

	title := strings.Repeat("é", 100) + strings.Repeat("x", 100)
	err = c.UpdateCheckRun(ctx, e.target, id, forge.CheckRun{Name: "composeguard", HeadSHA: head, Status: forge.StatusCompleted,
		Conclusion: forge.ConclusionFailure, Title: title, Summary: "2 new problems", Annotations: annotations(3)})
	if err != nil {
		t.Fatal(err)
	}
	statuses := e.repo.Statuses()
	if len(statuses) != 2 || !strings.HasPrefix(statusLog(e.repo), "composeguard pending by alice: Reviewing… | composeguard failure by alice: ") {
		t.Fatalf("statuses: %s", statusLog(e.repo))
	}
	description := statuses[1].Description
	if utf8.RuneCountInString(description) != 140 || description != string([]rune(title)[:139])+"…" {
		t.Errorf("description of %d characters: %q", utf8.RuneCountInString(description), description)
	}
	runs, err = c.CheckRuns(ctx, e.target, head, "composeguard")
	want = fmt.Sprintf("[{ID:%d Name:composeguard HeadSHA:%s Status:completed Conclusion:failure Title:%s}]", statuses[1].ID, head, description)
	if err != nil || brief(runs) != want {
		t.Errorf("CheckRuns completed = %s, %v; want %s", brief(runs), err, want)
	}
	if err := c.UpdateCheckRun(ctx, e.target, id, forge.CheckRun{Name: "composeguard", Conclusion: forge.ConclusionSuccess}); err == nil {
		t.Error("a status without its commit was posted")
	}

	// Refused once, then remembered for the repository.
	if n := e.fake.Count(opCreateCheckRun); n != 1 || len(e.repo.CheckRuns()) != 0 || e.fake.Count(opUpdateCheckRun) != 0 {
		t.Errorf("%d check run creations tried, %d runs, %d updates; want 1 refused, none, none",
			n, len(e.repo.CheckRuns()), e.fake.Count(opUpdateCheckRun))
	}
	if n := e.fake.Count(opListCheckRuns); n != 1 {
		t.Errorf("check runs listed %d times, want once, before the refusal", n)
	}
	e.fake.CheckOperations(t)
	if got := c.Calls().API; got[opCreateStatus] != 2 || got[opListStatuses] != 2 {
		t.Errorf("Calls().API = %v", got)
	}
}

// brief prints runs without the fields a commit status cannot hold.
func brief(runs []forge.CheckRun) string {
	var out []string
	for _, r := range runs {
		s := fmt.Sprintf("{ID:%d Name:%s HeadSHA:%s Status:%s", r.ID, r.Name, r.HeadSHA, r.Status)
		if r.Conclusion != "" {
			s += " Conclusion:" + r.Conclusion
		}
		out = append(out, s+" Title:"+r.Title+"}")
	}
	return "[" + strings.Join(out, " ") + "]"
}

func TestFallbackIsPerRepository(t *testing.T) {
	e := newEnv(t)
	c := e.personalClient(t)
	other := e.fake.AddRepo("globex", "infra", 0)
	globex := forge.Repo{Owner: "globex", Name: "infra"}
	for _, target := range []struct {
		repo forge.Repo
		sha  string
	}{{e.target, e.repo.Commit(nil)}, {e.target, e.repo.Commit(nil)}, {globex, other.Commit(nil)}} {
		if _, err := c.CreateCheckRun(t.Context(), target.repo, forge.CheckRun{Name: "composeguard", HeadSHA: target.sha, Status: forge.StatusInProgress}); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.fake.Count(opCreateCheckRun); n != 2 {
		t.Errorf("%d check run creations tried, want one per repository", n)
	}
	if len(e.repo.Statuses()) != 2 || len(other.Statuses()) != 1 {
		t.Errorf("statuses: %s / %s", statusLog(e.repo), statusLog(other))
	}
}

func TestConclusionsAsStatusStates(t *testing.T) {
	e := newEnv(t)
	c := e.personalClient(t)
	for conclusion, want := range map[string]struct{ state, readBack string }{
		forge.ConclusionSuccess:   {"success", forge.ConclusionSuccess},
		forge.ConclusionNeutral:   {"success", forge.ConclusionSuccess},
		forge.ConclusionFailure:   {"failure", forge.ConclusionFailure},
		forge.ConclusionCancelled: {"error", forge.ConclusionCancelled},
	} {
		head := e.repo.Commit(map[string]string{"c": conclusion})
		run := forge.CheckRun{Name: "composeguard", HeadSHA: head, Status: forge.StatusCompleted, Conclusion: conclusion, Title: "Superseded by abc1234"}
		if err := c.UpdateCheckRun(t.Context(), e.target, 1, run); err != nil {
			t.Fatal(err)
		}
		statuses := e.repo.Statuses()
		last := statuses[len(statuses)-1]
		runs, err := c.CheckRuns(t.Context(), e.target, head, "composeguard")
		if err != nil || last.State != want.state || last.Description != run.Title || len(runs) != 1 || runs[0].Conclusion != want.readBack {
			t.Errorf("%s: status %s %q, read back as %+v, %v; want %s, read back %s", conclusion, last.State, last.Description, runs, err, want.state, want.readBack)
		}
	}
}

// TestLatestStatusFoundPastOtherContexts: the newest composeguard status is
// found behind a page of other contexts' newer statuses, and no page after
// it is read.
func TestLatestStatusFoundPastOtherContexts(t *testing.T) {
	e := newEnv(t)
	c := e.personalClient(t)
	head := e.repo.Commit(nil)
	post := func(name, conclusion string) int64 {
		t.Helper()
		id, err := c.CreateCheckRun(t.Context(), e.target, forge.CheckRun{Name: name, HeadSHA: head, Status: forge.StatusCompleted, Conclusion: conclusion})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	post("composeguard", forge.ConclusionFailure)
	for range 30 {
		post("ci/older", forge.ConclusionSuccess)
	}
	latest := post("Composeguard", forge.ConclusionSuccess)
	for range 120 {
		post("ci/lint", forge.ConclusionSuccess)
	}
	runs, err := c.CheckRuns(t.Context(), e.target, head, "composeguard")
	if err != nil || len(runs) != 1 || runs[0].ID != latest || runs[0].Conclusion != forge.ConclusionSuccess {
		t.Fatalf("CheckRuns = %+v, %v; want the newest composeguard status, %d", runs, err, latest)
	}
	if n := e.fake.Count(opListStatuses); n != 2 {
		t.Errorf("%d pages of statuses read, want 2", n)
	}
}

// TestRefusedListingSwitchesToo: a fine-grained token without the checks
// permission is refused reading check runs already.
func TestRefusedListingSwitchesToo(t *testing.T) {
	e := newEnv(t)
	e.fake.AllowToken("github_pat_fine")
	c := e.tokenClient(t, "github_pat_fine")
	head := e.repo.Commit(nil)
	e.fake.Fail(http.MethodGet, `/check-runs$`, 1, githubtest.Fault{Status: http.StatusForbidden, Message: "Resource not accessible by personal access token"})
	if runs, err := c.CheckRuns(t.Context(), e.target, head, "composeguard"); err != nil || len(runs) != 0 {
		t.Fatalf("CheckRuns = %+v, %v", runs, err)
	}
	if _, err := c.CreateCheckRun(t.Context(), e.target, forge.CheckRun{Name: "composeguard", HeadSHA: head, Status: forge.StatusInProgress}); err != nil {
		t.Fatal(err)
	}
	if e.fake.Count(opCreateCheckRun) != 0 || e.fake.Count(opListStatuses) != 1 || len(e.repo.Statuses()) != 1 {
		t.Errorf("after a refused listing: %d check run creations, %d status listings, statuses %s",
			e.fake.Count(opCreateCheckRun), e.fake.Count(opListStatuses), statusLog(e.repo))
	}
}

// TestRateLimitIsNoRefusal: a token rate-limited on check runs waits and
// tries them again; it does not switch to statuses.
func TestRateLimitIsNoRefusal(t *testing.T) {
	e := newEnv(t)
	e.fake.AllowToken("ghs_workflow")
	c := e.tokenClient(t, "ghs_workflow")
	run := forge.CheckRun{Name: "composeguard", HeadSHA: e.repo.Commit(nil), Status: forge.StatusInProgress}
	// Limits already lifted, so go-github sends the next request at once.
	for _, limit := range []githubtest.Fault{githubtest.RateLimited(time.Now()), githubtest.SecondaryRateLimited(0)} {
		e.fake.Fail(http.MethodPost, `/check-runs$`, 1, limit)
		var retry *forge.RetryableError
		if _, err := c.CreateCheckRun(t.Context(), e.target, run); !errors.As(err, &retry) {
			t.Errorf("%s: err = %v, want a RetryableError", limit.Message, err)
		}
	}
	if _, err := c.CreateCheckRun(t.Context(), e.target, run); err != nil {
		t.Fatal(err)
	}
	if len(e.repo.CheckRuns()) != 1 || len(e.repo.Statuses()) != 0 {
		t.Errorf("%d check runs, statuses %q; want the run alone", len(e.repo.CheckRuns()), statusLog(e.repo))
	}
}

// TestAppClientNeverFallsBack: beside a personal token, the App writes
// check runs, and a 403 it gets stays an error.
func TestAppClientNeverFallsBack(t *testing.T) {
	e := newEnv(t)
	e.personalClient(t)
	run := forge.CheckRun{Name: "composeguard", HeadSHA: e.repo.Commit(nil), Status: forge.StatusInProgress}
	e.fake.Fail(http.MethodPost, `/check-runs$`, 1, githubtest.Fault{Status: http.StatusForbidden, Message: "Resource not accessible by integration"})
	if _, err := e.client.CreateCheckRun(t.Context(), e.target, run); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("err = %v, want the 403", err)
	}
	id, err := e.client.CreateCheckRun(t.Context(), e.target, run)
	if err != nil {
		t.Fatal(err)
	}
	run.Status, run.Conclusion = forge.StatusCompleted, forge.ConclusionSuccess
	if err := e.client.UpdateCheckRun(t.Context(), e.target, id, run); err != nil {
		t.Fatal(err)
	}
	if runs, err := e.client.CheckRuns(t.Context(), e.target, run.HeadSHA, "composeguard"); err != nil || len(runs) != 1 || runs[0].ID != id {
		t.Errorf("CheckRuns = %+v, %v", runs, err)
	}
	if got := e.repo.CheckRuns(); len(got) != 1 || got[0].Conclusion != "success" || len(e.repo.Statuses()) != 0 {
		t.Errorf("check runs %+v, statuses %q; want the App's run alone", got, statusLog(e.repo))
	}
}
