package github

import (
	"context"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

// IssueComments lists every comment of the pull request's conversation.
func (c *Client) IssueComments(ctx context.Context, repo forge.Repo, number int) ([]forge.Comment, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	all, err := listAll(0, func(opts gh.ListOptions) ([]*gh.IssueComment, *gh.Response, error) {
		return api.Issues.ListComments(ctx, repo.Owner, repo.Name, number, &gh.IssueListCommentsOptions{ListOptions: opts})
	})
	if err != nil {
		return nil, fail(err, "list the comments of %s#%d", repo, number)
	}
	out := make([]forge.Comment, 0, len(all))
	for _, ic := range all {
		out = append(out, forge.Comment{ID: ic.GetID(), Body: ic.GetBody(), Author: ic.GetUser().GetLogin()})
	}
	return out, nil
}

// CreateIssueComment adds a comment to the pull request's conversation and
// returns its id; a body over GitHub's limit is truncated.
func (c *Client) CreateIssueComment(ctx context.Context, repo forge.Repo, number int, body string) (int64, error) {
	api, err := c.api(repo)
	if err != nil {
		return 0, err
	}
	ic, _, err := api.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, &gh.IssueComment{Body: gh.Ptr(Truncate(body, MaxCommentBody))})
	if err != nil {
		return 0, fail(err, "comment on %s#%d", repo, number)
	}
	return ic.GetID(), nil
}

// EditIssueComment replaces a conversation comment's body; GitHub knows it
// by its id alone.
func (c *Client) EditIssueComment(ctx context.Context, repo forge.Repo, _ int, commentID int64, body string) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	if _, _, err := api.Issues.EditComment(ctx, repo.Owner, repo.Name, commentID, &gh.IssueComment{Body: gh.Ptr(Truncate(body, MaxCommentBody))}); err != nil {
		return fail(err, "edit comment %d on %s", commentID, repo)
	}
	return nil
}
