package github

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

const (
	composeBefore = "services:\n  web:\n    image: nginx\n    ports:\n      - 80:80\n    restart: always\n    environment:\n      A: 1\n      B: 2\n      C: 3\n      D: 4\n"
	composeAfter  = "services:\n  web:\n    image: nginx\n    ports:\n      - 80:80\n    restart: always\n    environment:\n      A: 1\n      B: 2\n      C: 3\n      D: 4\n    privileged: true\n"
)

func TestReviewWithACommentOutsideTheDiffIsRefusedWhole(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": composeBefore}, map[string]string{"compose.yaml": composeAfter})
	review := forge.Review{CommitSHA: p.Head, Body: "composeguard found 2 problems", Comments: []forge.InlineComment{
		{Path: "compose.yaml", Line: 12, Body: "runs privileged"}, // added
		{Path: "compose.yaml", Line: 2, Body: "no healthcheck"},   // outside the hunk (9..12)
	}}
	err := e.client.CreateReview(t.Context(), e.target, 1, review)
	if !errors.Is(err, forge.ErrUnprocessable) {
		t.Fatalf("CreateReview = %v, want forge.ErrUnprocessable", err)
	}
	if n := len(e.repo.Reviews(1)) + len(e.repo.ReviewComments(1)); n != 0 {
		t.Errorf("a refused review left %d reviews and comments", n)
	}

	review.Comments[1].Line = 9 // context line of the hunk
	if err := e.client.CreateReview(t.Context(), e.target, 1, review); err != nil {
		t.Fatal(err)
	}
	reviews, comments := e.repo.Reviews(1), e.repo.ReviewComments(1)
	if len(reviews) != 1 || reviews[0].Event != "COMMENT" || reviews[0].CommitID != p.Head || len(reviews[0].CommentIDs) != 2 {
		t.Errorf("reviews = %+v, want one COMMENT review at the head with both comments", reviews)
	}
	for _, c := range comments {
		if c.Side != "RIGHT" || c.ReviewID != reviews[0].ID {
			t.Errorf("comment %+v is not on the right side of the review", c)
		}
	}
}

func TestReviewCommentsThreadsAndOutdated(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": composeBefore}, map[string]string{"compose.yaml": composeAfter})
	err := e.client.CreateReview(t.Context(), e.target, 1, forge.Review{CommitSHA: p.Head,
		Comments: []forge.InlineComment{{Path: "compose.yaml", Line: 12, Body: "runs privileged <!-- composeguard:abc -->"}}})
	if err != nil {
		t.Fatal(err)
	}
	first := e.repo.ReviewComments(1)[0].ID
	e.repo.AddReply(1, first, "alice", "we need it")
	e.repo.Push(1, e.repo.Commit(map[string]string{"compose.yaml": composeBefore}))

	comments, err := e.client.ReviewComments(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range comments {
		got = append(got, fmt.Sprintf("%s line %d outdated %v reply %v: %s", c.Author, c.Line, c.Outdated, c.InReplyTo == first, c.Body))
	}
	want := []string{
		"composeguard[bot] line 12 outdated true reply false: runs privileged <!-- composeguard:abc -->",
		"alice line 12 outdated true reply true: we need it",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("review comments:\n got %q\nwant %q", got, want)
	}
}

// TestMultiLineComment: a comment on a range of lines carries start_line
// and start_side; GitHub refuses a range that leaves its hunk.
func TestMultiLineComment(t *testing.T) {
	e := newEnv(t)
	before := composeBefore + "    labels:\n      a: b\n    x-1: 1\n    x-2: 2\n    x-3: 3\n    x-4: 4\n"
	after := strings.Replace(before, "    ports:\n", "    privileged: true\n    ports:\n", 1) + "    read_only: true\n"
	p := e.pull(map[string]string{"compose.yaml": before}, map[string]string{"compose.yaml": after})
	across := forge.Review{CommitSHA: p.Head, Comments: []forge.InlineComment{{Path: "compose.yaml", StartLine: 4, Line: 19, Body: "two hunks"}}}
	if err := e.client.CreateReview(t.Context(), e.target, 1, across); !errors.Is(err, forge.ErrUnprocessable) {
		t.Fatalf("a range over two hunks = %v, want forge.ErrUnprocessable", err)
	}
	within := forge.Review{CommitSHA: p.Head, Comments: []forge.InlineComment{{Path: "compose.yaml", StartLine: 3, Line: 4, Body: "one hunk"}}}
	if err := e.client.CreateReview(t.Context(), e.target, 1, within); err != nil {
		t.Fatal(err)
	}
	if c := e.repo.ReviewComments(1); len(c) != 1 || c[0].StartLine != 3 || c[0].Line != 4 || c[0].Side != "RIGHT" {
		t.Errorf("comments = %+v, want one on lines 3-4", c)
	}
}

func TestSummaryCommentLifecycle(t *testing.T) {
	e := newEnv(t)
	e.pull(nil, nil)
	for i := range 35 { // more than GitHub's default page
		e.repo.AddIssueComment(1, "alice", fmt.Sprintf("comment %d", i))
	}
	id, err := e.client.CreateIssueComment(t.Context(), e.target, 1, "summary v1 <!-- composeguard:summary -->")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.EditIssueComment(t.Context(), e.target, 1, id, "summary v2 <!-- composeguard:summary -->"); err != nil {
		t.Fatal(err)
	}
	comments, err := e.client.IssueComments(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	last := comments[len(comments)-1]
	if len(comments) != 36 || last.ID != id || last.Author != "composeguard[bot]" || last.Body != "summary v2 <!-- composeguard:summary -->" {
		t.Errorf("%d comments, last %+v", len(comments), last)
	}
	if err := e.client.EditIssueComment(t.Context(), e.target, 1, 999999, "x"); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("editing a missing comment = %v, want forge.ErrNotFound", err)
	}
}
