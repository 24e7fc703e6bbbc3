package github

import (
	"errors"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

// TestReviewThreadsAndResolving lists more threads than one GraphQL page,
// with authors spelled as REST spells them, and resolves one silently.
func TestReviewThreadsAndResolving(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": composeBefore}, map[string]string{"compose.yaml": composeAfter})
	review := forge.Review{CommitSHA: p.Head}
	for range 120 {
		review.Comments = append(review.Comments, forge.InlineComment{Path: "compose.yaml", Line: 12, Body: "runs privileged"})
	}
	if err := e.client.CreateReview(t.Context(), e.target, 1, review); err != nil {
		t.Fatal(err)
	}
	notes := e.repo.ReviewComments(1)
	e.repo.AddReply(1, notes[0].ID, "alice", "we need it")

	threads, err := e.client.ReviewThreads(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(threads) != 120 {
		t.Fatalf("%d threads, want 120 over two pages", len(threads))
	}
	for i, th := range threads {
		if th.FirstComment != notes[i].ID || th.Author != "composeguard[bot]" || th.Resolved || th.ID == "" {
			t.Fatalf("thread %d = %+v, want the open thread of comment %d by composeguard[bot]", i, th, notes[i].ID)
		}
	}
	if err := e.client.ResolveThread(t.Context(), e.target, threads[0].ID); err != nil {
		t.Fatal(err)
	}
	if !e.repo.ThreadResolved(notes[0].ID) || e.repo.ThreadResolved(notes[1].ID) {
		t.Error("the wrong thread was resolved")
	}
	if n := len(e.repo.ReviewComments(1)); n != 121 {
		t.Errorf("%d comments: resolving posted something", n)
	}
	threads, err = e.client.ReviewThreads(t.Context(), e.target, 1)
	if err != nil || !threads[0].Resolved {
		t.Errorf("after resolving: %v, %+v", err, threads[0])
	}
	if n := e.client.Calls().API[opGraphQL]; n != 5 {
		t.Errorf("%d GraphQL requests, want 2 pages, the mutation and 2 pages", n)
	}
	e.fake.CheckOperations(t)
}

func TestThreadResolutionRefused(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": composeBefore}, map[string]string{"compose.yaml": composeAfter})
	if err := e.client.CreateReview(t.Context(), e.target, 1, forge.Review{CommitSHA: p.Head,
		Comments: []forge.InlineComment{{Path: "compose.yaml", Line: 12, Body: "runs privileged"}}}); err != nil {
		t.Fatal(err)
	}
	threads, err := e.client.ReviewThreads(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.DenyThreadResolution()
	err = e.client.ResolveThread(t.Context(), e.target, threads[0].ID)
	var retry *forge.RetryableError
	if err == nil || errors.As(err, &retry) {
		t.Errorf("ResolveThread = %v, want a final error", err)
	}
	if e.repo.ThreadResolved(threads[0].FirstComment) {
		t.Error("resolved anyway")
	}
	if _, err := e.client.ReviewThreads(t.Context(), forge.Repo{Owner: "acme", Name: "other", CredentialsKey: installationKey}, 1); err == nil {
		t.Error("threads of a repository the installation cannot reach")
	}
}

func TestWebAndGraphQLAddresses(t *testing.T) {
	for _, tc := range []struct{ api, file, graphQL string }{
		{"", "https://github.com/acme/stack/blob/4ead111/stacks/my%20app/compose.yaml#L7", "https://api.github.com/graphql"},
		{"https://ghe.example.com/api/v3/", "https://ghe.example.com/acme/stack/blob/4ead111/stacks/my%20app/compose.yaml#L7", "https://ghe.example.com/api/graphql"},
	} {
		c, err := NewTokenClient(Options{Token: "t", APIURL: tc.api})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.FileURL(forge.Repo{Owner: "acme", Name: "stack"}, "4ead111", "stacks/my app/compose.yaml", 7); got != tc.file {
			t.Errorf("FileURL = %s, want %s", got, tc.file)
		}
		if got := c.graphQLURL(); got != tc.graphQL {
			t.Errorf("GraphQL at %s, want %s", got, tc.graphQL)
		}
	}
}
