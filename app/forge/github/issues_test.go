package github

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

// TestIssuesByTheServer: the server's issues are found among a person's
// and the pull requests GitHub lists with them, over several pages,
// newest first, closed ones included; a body is edited in place.
func TestIssuesByTheServer(t *testing.T) {
	e, _ := bumpEnv(t)
	c := t.Context()
	for i := range 120 {
		e.repo.AddIssue("octocat", fmt.Sprint("a person's issue ", i), "")
	}
	first, err := e.client.CreateIssue(c, e.target, "composeguard dashboard", "first")
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.client.CreateIssue(c, e.target, "composeguard dashboard", strings.Repeat("x", 70000))
	if err != nil {
		t.Fatalf("a body over GitHub's limit is cut, not refused: %v", err)
	}
	if err := e.client.EditIssue(c, e.target, first, "edited"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.EditIssue(c, e.target, 99999, "x"); err == nil {
		t.Error("editing an issue that does not exist succeeded")
	}
	issues, err := e.client.IssuesBy(c, e.target, githubtest.AppLogin)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, is := range issues {
		got = append(got, fmt.Sprintf("#%d %s by %s open=%t cut=%t", is.Number, is.Title, is.Author, is.Open, len(is.Body) <= MaxCommentBody && strings.Contains(is.Body, "more bytes")))
	}
	want := []string{
		fmt.Sprintf("#%d composeguard dashboard by %s open=true cut=true", second, githubtest.AppLogin),
		fmt.Sprintf("#%d composeguard dashboard by %s open=true cut=false", first, githubtest.AppLogin),
	}
	if !slices.Equal(got, want) {
		t.Errorf("the server's issues = %v, want %v", got, want)
	}
	all, err := e.client.IssuesBy(c, e.target, "octocat")
	if err != nil || len(all) != 120 || all[0].Title != "a person's issue 119" {
		t.Errorf("a person's issues over two pages: %d, %v", len(all), err)
	}
	if issues := e.repo.Issues(); len(issues) != 122 || !slices.ContainsFunc(issues, func(is githubtest.Issue) bool { return is.Body == "edited" }) {
		t.Errorf("the fake holds %d issues, the edit not among them", len(issues))
	}
	if is, err := e.client.Issue(c, e.target, first); err != nil || is.Body != "edited" || is.Author != githubtest.AppLogin || !is.Open {
		t.Errorf("issue #%d: %+v, %v", first, is, err)
	}
	e.repo.CommitTo("feature", "alice", map[string]string{"x": "y"})
	e.repo.AddPull(githubtest.Pull{Number: 500, Title: "a pull request", HeadRef: "feature"})
	for _, n := range []int{500, 99999} {
		if _, err := e.client.Issue(c, e.target, n); !errors.Is(err, forge.ErrNotFound) {
			t.Errorf("issue #%d (a pull request, or none): %v, want ErrNotFound", n, err)
		}
	}
	calls := e.client.Calls()
	for _, op := range issueOperations {
		if calls.API[op] == 0 {
			t.Errorf("Calls() did not count %s", op)
		}
	}
	e.fake.CheckOperations(t)
}
