package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

// Review threads can be resolved only through GitHub's GraphQL API
// (https://docs.github.com/en/graphql/reference/mutations#resolvereviewthread).
const (
	reviewThreadsQuery = `query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          path
          line
          comments(first: 1) { nodes { databaseId body author { __typename login } } }
        }
      }
    }
  }
}`
	resolveThreadMutation = `mutation($id: ID!) {
  resolveReviewThread(input: {threadId: $id}) { thread { id isResolved } }
}`
)

// maxThreadPages bounds the threads read from one pull request (100 a page).
const maxThreadPages = 50

var _ forge.ThreadResolver = (*Client)(nil)

// ReviewThreads lists a pull request's review threads with their first
// comment. GraphQL names an App by its slug where REST says "slug[bot]":
// authors are given in REST's spelling, as ReviewComments gives them.
func (c *Client) ReviewThreads(ctx context.Context, repo forge.Repo, number int) ([]forge.Thread, error) {
	var out []forge.Thread
	var after *string
	for range maxThreadPages {
		var data struct {
			Repository *struct {
				PullRequest *struct {
					ReviewThreads struct {
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
						Nodes []struct {
							ID         string
							IsResolved bool
							Path       string
							Line       int
							Comments   struct {
								Nodes []struct {
									DatabaseID int64
									Body       string
									Author     *struct {
										Typename string `json:"__typename"`
										Login    string
									}
								}
							}
						}
					}
				}
			}
		}
		vars := map[string]any{"owner": repo.Owner, "name": repo.Name, "number": number, "after": after}
		if err := c.graphQL(ctx, repo, reviewThreadsQuery, vars, &data); err != nil {
			return nil, fail(err, "list the review threads of %s#%d", repo, number)
		}
		if data.Repository == nil || data.Repository.PullRequest == nil {
			return nil, fmt.Errorf("list the review threads of %s#%d: %w", repo, number, forge.ErrNotFound)
		}
		page := data.Repository.PullRequest.ReviewThreads
		for _, n := range page.Nodes {
			t := forge.Thread{ID: n.ID, Resolved: n.IsResolved, Path: n.Path, Line: n.Line}
			if len(n.Comments.Nodes) > 0 {
				first := n.Comments.Nodes[0]
				t.FirstComment, t.Body = first.DatabaseID, first.Body
				if a := first.Author; a != nil {
					t.Author = a.Login
					if a.Typename == "Bot" {
						t.Author += "[bot]"
					}
				}
			}
			out = append(out, t)
		}
		if !page.PageInfo.HasNextPage {
			return out, nil
		}
		after = &page.PageInfo.EndCursor
	}
	return out, nil
}

// ResolveThread marks a review thread resolved; nobody is notified.
func (c *Client) ResolveThread(ctx context.Context, repo forge.Repo, threadID string) error {
	var data struct {
		ResolveReviewThread *struct{ Thread struct{ IsResolved bool } }
	}
	if err := c.graphQL(ctx, repo, resolveThreadMutation, map[string]any{"id": threadID}, &data); err != nil {
		return fail(err, "resolve review thread %s on %s", threadID, repo)
	}
	if data.ResolveReviewThread == nil || !data.ResolveReviewThread.Thread.IsResolved {
		return fmt.Errorf("resolve review thread %s on %s: still open", threadID, repo)
	}
	return nil
}

// graphQLError is one entry of a GraphQL answer's errors.
type graphQLError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// graphQLErrors are the errors GitHub answers a GraphQL request with, in a
// 200 response.
type graphQLErrors []graphQLError

func (e graphQLErrors) Error() string {
	var msgs []string
	for _, g := range e {
		msgs = append(msgs, strings.TrimSpace(g.Type+" "+g.Message))
	}
	return "GraphQL: " + strings.Join(msgs, "; ")
}

// graphQL posts a query with the credentials that act on repo and decodes
// its data into out. Errors GitHub reports inside the answer come back as
// graphQLErrors, rate limits among them as retryable.
func (c *Client) graphQL(ctx context.Context, repo forge.Repo, query string, vars map[string]any, out any) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	return c.graphQLAs(ctx, api, query, vars, out)
}

// graphQLAs posts a query with api's credentials.
func (c *Client) graphQLAs(ctx context.Context, api *gh.Client, query string, vars map[string]any, out any) error {
	req, err := api.NewRequest(ctx, http.MethodPost, c.graphQLURL(), map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	var answer struct {
		Data   json.RawMessage `json:"data"`
		Errors graphQLErrors   `json:"errors"`
	}
	if _, err := api.Do(req, &answer); err != nil {
		return err
	}
	if len(answer.Errors) > 0 {
		for _, e := range answer.Errors {
			if e.Type == "RATE_LIMITED" {
				return &forge.RetryableError{After: defaultRateLimitWait, Err: answer.Errors}
			}
		}
		return answer.Errors
	}
	if len(answer.Data) == 0 {
		return errors.New("GraphQL: no data")
	}
	return json.Unmarshal(answer.Data, out)
}
