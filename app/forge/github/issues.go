package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

var _ forge.Issues = (*Client)(nil)

// IssuesBy lists the issues author opened (GitHub's creator filter, which
// takes an App's "slug[bot]"), open and closed, newest first; the pull
// requests GitHub lists with them are left out.
func (c *Client) IssuesBy(ctx context.Context, repo forge.Repo, author string) ([]forge.Issue, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	opts := &gh.IssueListByRepoOptions{Creator: author, State: "all", Sort: "created", Direction: "desc"}
	issues, err := listAll(forge.MaxIssuesListed, func(page gh.ListOptions) ([]*gh.Issue, *gh.Response, error) {
		opts.ListOptions = page
		return api.Issues.ListByRepo(ctx, repo.Owner, repo.Name, opts)
	})
	if err != nil {
		return nil, fail(err, "list the issues of %s", repo)
	}
	var out []forge.Issue
	for _, is := range issues {
		if !is.IsPullRequest() {
			out = append(out, issueOf(is))
		}
	}
	return out, nil
}

// Issue reads one issue; a pull request, which GitHub serves here too, is
// forge.ErrNotFound.
func (c *Client) Issue(ctx context.Context, repo forge.Repo, number int) (forge.Issue, error) {
	api, err := c.api(repo)
	if err != nil {
		return forge.Issue{}, err
	}
	is, _, err := api.Issues.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return forge.Issue{}, fail(err, "read issue %s#%d", repo, number)
	}
	if is.IsPullRequest() {
		return forge.Issue{}, fmt.Errorf("%s#%d is a pull request: %w", repo, number, forge.ErrNotFound)
	}
	return issueOf(is), nil
}

func issueOf(is *gh.Issue) forge.Issue {
	return forge.Issue{Number: is.GetNumber(), Title: is.GetTitle(), Body: is.GetBody(),
		Author: is.GetUser().GetLogin(), Open: is.GetState() == "open"}
}

// CreateIssue opens an issue; a body over GitHub's limit is cut, saying so.
func (c *Client) CreateIssue(ctx context.Context, repo forge.Repo, title, body string) (int, error) {
	api, err := c.api(repo)
	if err != nil {
		return 0, err
	}
	is, _, err := api.Issues.Create(ctx, repo.Owner, repo.Name, &gh.IssueRequest{Title: gh.Ptr(title), Body: gh.Ptr(Truncate(body, MaxCommentBody))})
	if err != nil {
		return 0, fail(err, "open an issue in %s", repo)
	}
	return is.GetNumber(), nil
}

// EditIssue replaces an issue's body.
func (c *Client) EditIssue(ctx context.Context, repo forge.Repo, number int, body string) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	if _, _, err := api.Issues.Edit(ctx, repo.Owner, repo.Name, number, &gh.IssueRequest{Body: gh.Ptr(Truncate(body, MaxCommentBody))}); err != nil {
		return fail(err, "edit issue %s#%d", repo, number)
	}
	return nil
}
