package github

import (
	"maps"
	"net/http"
	"path"
	"strings"
	"sync"
)

// The operations this client calls, spelled as in GitHub's REST description
// so counts read like the docs.
const (
	opAccessToken     = "POST /app/installations/{installation_id}/access_tokens"
	opGetPull         = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
	opListFiles       = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
	opGetTree         = "GET /repos/{owner}/{repo}/git/trees/{tree_sha}"
	opGetBlob         = "GET /repos/{owner}/{repo}/git/blobs/{file_sha}"
	opCreateCheckRun  = "POST /repos/{owner}/{repo}/check-runs"
	opUpdateCheckRun  = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	opListCheckRuns   = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"
	opCreateStatus    = "POST /repos/{owner}/{repo}/statuses/{sha}"
	opListStatuses    = "GET /repos/{owner}/{repo}/commits/{ref}/statuses"
	opListReviewNotes = "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments"
	opCreateReview    = "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews"
	opListComments    = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"
	opCreateComment   = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
	opEditComment     = "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"
	opGetUser         = "GET /user"
	opPullsAtCommit   = "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls"
	// opGraphQL is every GraphQL request: /api/graphql on an Enterprise
	// Server, beside the REST prefix.
	opGraphQL = "POST /graphql"
)

// operations recognises a request's operation; a ServeMux because its
// patterns are exactly GitHub's path templates.
var operations = func() *http.ServeMux {
	m := http.NewServeMux()
	for _, op := range []string{opAccessToken, opGetPull, opListFiles, opGetTree, opGetBlob,
		opCreateCheckRun, opUpdateCheckRun, opListCheckRuns, opCreateStatus, opListStatuses,
		opListReviewNotes, opCreateReview, opListComments, opCreateComment, opEditComment, opGetUser, opPullsAtCommit, opGraphQL} {
		m.HandleFunc(op, func(http.ResponseWriter, *http.Request) {})
	}
	return m
}()

// Counts is a number of requests per operation.
type Counts map[string]int

// Total is the number of requests of every operation.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Calls are the requests a Client sent, by operation ("GET
// /repos/{owner}/{repo}/pulls/{pull_number}/files"). Requests go-github
// refused locally while rate limited are not sent, so not counted.
type Calls struct {
	API     Counts // pull requests, check runs, reviews and comments
	Content Counts // trees and blobs: file contents
	Auth    Counts // installation tokens, about one an hour per installation
}

// Since returns the calls made after before was taken, as for one review.
func (c Calls) Since(before Calls) Calls {
	sub := func(now, then Counts) Counts {
		out := Counts{}
		for op, n := range now {
			if d := n - then[op]; d > 0 {
				out[op] = d
			}
		}
		return out
	}
	return Calls{API: sub(c.API, before.API), Content: sub(c.Content, before.Content), Auth: sub(c.Auth, before.Auth)}
}

// Calls returns the requests sent so far.
func (c *Client) Calls() Calls {
	c.counter.mu.Lock()
	defer c.counter.mu.Unlock()
	return Calls{API: maps.Clone(c.counter.calls.API), Content: maps.Clone(c.counter.calls.Content), Auth: maps.Clone(c.counter.calls.Auth)}
}

// counter is the base transport: it counts each request it carries.
type counter struct {
	next http.RoundTripper
	// prefix is the API's path on an Enterprise Server ("/api/v3").
	prefix string

	mu    sync.Mutex
	calls Calls
}

func newCounter(next http.RoundTripper, prefix string) *counter {
	return &counter{next: next, prefix: prefix, calls: Calls{API: Counts{}, Content: Counts{}, Auth: Counts{}}}
}

func (t *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := t.operation(r)
	t.mu.Lock()
	switch op {
	case opGetTree, opGetBlob:
		t.calls.Content[op]++
	case opAccessToken:
		t.calls.Auth[op]++
	default:
		t.calls.API[op]++
	}
	t.mu.Unlock()
	return t.next.RoundTrip(r)
}

func (t *counter) operation(r *http.Request) string {
	op, _ := recognise(r, t.prefix)
	return op
}

// recognise names r's operation, the API's path prefix taken off; ok is
// false for one the client does not list, named by its method and path.
func recognise(r *http.Request, prefix string) (op string, ok bool) {
	u := *r.URL
	if prefix != "" && u.Path == path.Dir(prefix)+"/graphql" {
		u.Path = "/graphql"
	}
	u.Path = strings.TrimPrefix(u.Path, prefix)
	u.RawPath = ""
	if _, op := operations.Handler(&http.Request{Method: r.Method, URL: &u}); op != "" {
		return strings.Replace(op, "...}", "}", 1), true
	}
	return r.Method + " " + u.Path, false
}
