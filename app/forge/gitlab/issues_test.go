package gitlab

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

// TestIssuesByTheServer: the token user's issues are found among a
// person's over several pages, newest first, closed ones included; a
// description is edited in place.
func TestIssuesByTheServer(t *testing.T) {
	e := newEnv(t)
	c := t.Context()
	for i := range 120 {
		e.project.AddIssue("alice", fmt.Sprint("a person's issue ", i), "")
	}
	first, err := e.client.CreateIssue(c, e.target, "composeguard dashboard", "first")
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.client.CreateIssue(c, e.target, "composeguard dashboard", "second")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.EditIssue(c, e.target, first, "edited"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.EditIssue(c, e.target, 9999, "x"); err == nil {
		t.Error("editing an issue that does not exist succeeded")
	}
	e.project.CloseIssue(int64(first))
	issues, err := e.client.IssuesBy(c, e.target, bot)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, is := range issues {
		got = append(got, fmt.Sprintf("#%d %s by %s open=%t: %s", is.Number, is.Title, is.Author, is.Open, is.Body))
	}
	want := []string{
		fmt.Sprintf("#%d composeguard dashboard by %s open=true: second", second, bot),
		fmt.Sprintf("#%d composeguard dashboard by %s open=false: edited", first, bot),
	}
	if !slices.Equal(got, want) {
		t.Errorf("the server's issues = %v, want %v", got, want)
	}
	if is, err := e.client.Issue(c, e.target, second); err != nil || is.Body != "second" || is.Author != bot {
		t.Errorf("issue #%d: %+v, %v", second, is, err)
	}
	if _, err := e.client.Issue(c, e.target, 9999); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("an issue that does not exist: %v, want ErrNotFound", err)
	}
	if all, err := e.client.IssuesBy(c, e.target, "alice"); err != nil || len(all) != 120 || all[0].Title != "a person's issue 119" {
		t.Errorf("a person's issues over several pages: %d, %v", len(all), err)
	}
}
