package main

import (
	"fmt"
	"maps"
	"testing"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// contentPatterns are the fake GitHub's routes that fetch file contents:
// what a review reads to audit, counted apart from the other requests.
var contentPatterns = map[string]bool{
	"GET /repos/{owner}/{repo}/git/trees/{tree_sha}": true,
	"GET /repos/{owner}/{repo}/git/blobs/{file_sha}": true,
}

// requestsSince counts the fake GitHub's requests after the first before,
// by route, contents apart.
func requestsSince(e *e2e, before int) (other map[string]int, content int) {
	other = map[string]int{}
	for _, r := range e.fake.Requests()[before:] {
		if contentPatterns[r.Pattern] {
			content++
		} else {
			other[r.Pattern]++
		}
	}
	return other, content
}

// threeStacks are the files of a repository with three compose stacks,
// each with the hardened app and the services given for it.
func threeStacks(services func(i int) []string) map[string]string {
	files := map[string]string{"README.md": "three stacks\n"}
	for i, s := range []string{"stacks/web/compose.yaml", "stacks/db/compose.yaml", "stacks/mail/compose.yaml"} {
		files[s] = reviewtest.Stack(append([]string{reviewtest.Hardened("app")}, services(i)...)...)
	}
	return files
}

// insecureIn adds an insecure service named svc<n> to each stack.
func insecureIn(n int) func(i int) []string {
	return func(i int) []string {
		return []string{reviewtest.Insecure(fmt.Sprintf("svc%d", n), fmt.Sprint(8000+i))}
	}
}

// withExtra is insecureIn(n) with a privileged service more in the first
// stack: a push adding a problem to one file.
func withExtra(n int) func(i int) []string {
	return func(i int) []string {
		services := insecureIn(n)(i)
		if i == 0 {
			services = append(services, reviewtest.Privileged("extra"))
		}
		return services
	}
}

// TestE2ERequestsPerReview counts, by route, the requests of a review
// beyond the contents it reads: a new pull request touching three compose
// files, a push adding a problem to one of them, and a push fixing it. What
// composeguard posted is known from its database, so none of them lists
// comments or check runs, nor reads the pull request the webhook described.
func TestE2ERequestsPerReview(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	base := threeStacks(func(int) []string { return nil })
	warm := e.pull(1, base, base)
	e.opened(t, warm, "opened") // the installation token and the App's login, once
	e.reviewed(t)

	p := e.pull(2, base, threeStacks(insecureIn(2)))
	want := map[string]int{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files":       1,
		"POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews":    1,
		"POST /repos/{owner}/{repo}/issues/{issue_number}/comments": 1,
		"POST /repos/{owner}/{repo}/check-runs":                     1,
	}
	review := func(what, action string, p githubtest.Pull, want map[string]int) {
		t.Helper()
		before := len(e.fake.Requests())
		e.opened(t, p, action)
		e.reviewed(t)
		got, content := requestsSince(e, before)
		// The App's login, read once per process when first needed.
		delete(got, "GET /app")
		if !maps.Equal(got, want) {
			t.Errorf("%s: requests beyond the %d fetching contents:\n%v\nwant\n%v", what, content, got, want)
		}
		if run := e.verdict(t, p.Head); run.Conclusion != "failure" && run.Conclusion != "success" {
			t.Errorf("%s: check run %s", what, run.Conclusion)
		}
	}
	review("a new pull request", "opened", p, want)

	// A push adding a problem: the summary is edited, not listed.
	p.Head = e.repo.Commit(threeStacks(withExtra(2)))
	e.repo.Push(p.Number, p.Head)
	delete(want, "POST /repos/{owner}/{repo}/issues/{issue_number}/comments")
	want["PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"] = 1
	review("a push adding a problem", "synchronize", p, want)
	if n := len(e.repo.Reviews(p.Number)); n != 2 {
		t.Errorf("%d reviews, want one per head with new problems", n)
	}

	// A push fixing the extra service: its thread is resolved, nothing
	// else is posted.
	p.Head = e.repo.Commit(threeStacks(insecureIn(2)))
	e.repo.Push(p.Number, p.Head)
	delete(want, "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews")
	want["POST /graphql"] = 2 // the threads with their first comments, and resolving the fixed one
	review("a push fixing it", "synchronize", p, want)
	resolved := 0
	for _, c := range e.repo.ReviewComments(p.Number) {
		if e.repo.ThreadResolved(c.ID) {
			resolved++
		}
	}
	if n := len(e.repo.ReviewComments(p.Number)); resolved != 1 || n != 4 {
		t.Errorf("%d of %d threads resolved, want the fixed one of 4", resolved, n)
	}
	if s := e.summary(t, p.Number); s.Edits != 2 {
		t.Errorf("the summary was edited %d times, want once per push", s.Edits)
	}
}
