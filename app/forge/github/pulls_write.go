package github

import (
	"context"
	"fmt"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

// PullsFrom lists the pull requests whose head is branch of the repository
// itself (head=owner:branch), open and closed, newest first.
func (c *Client) PullsFrom(ctx context.Context, repo forge.Repo, branch string) ([]forge.Pull, error) {
	return c.listPulls(ctx, repo, &gh.PullRequestListOptions{State: "all", Head: repo.Owner + ":" + branch})
}

// OpenPulls lists every open pull request, newest first.
func (c *Client) OpenPulls(ctx context.Context, repo forge.Repo) ([]forge.Pull, error) {
	return c.listPulls(ctx, repo, &gh.PullRequestListOptions{State: "open"})
}

func (c *Client) listPulls(ctx context.Context, repo forge.Repo, opts *gh.PullRequestListOptions) ([]forge.Pull, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	opts.Sort, opts.Direction = "created", "desc"
	pulls, err := listAll(0, func(page gh.ListOptions) ([]*gh.PullRequest, *gh.Response, error) {
		opts.ListOptions = page
		return api.PullRequests.List(ctx, repo.Owner, repo.Name, opts)
	})
	if err != nil {
		return nil, fail(err, "list the pull requests of %s", repo)
	}
	out := make([]forge.Pull, 0, len(pulls))
	for _, pr := range pulls {
		out = append(out, forge.Pull{
			Number:  pr.GetNumber(),
			Title:   pr.GetTitle(),
			Body:    pr.GetBody(),
			Author:  pr.GetUser().GetLogin(),
			HeadRef: pr.GetHead().GetRef(),
			HeadSHA: pr.GetHead().GetSHA(),
			Open:    pr.GetState() == "open",
			Merged:  pr.MergedAt != nil,
			Created: pr.GetCreatedAt().Time,
		})
	}
	return out, nil
}

// CreatePull opens a pull request that maintainers may edit, then labels
// it through the issues endpoint, which creates labels the repository
// lacks. A second open pull request for the same head is a
// forge.ErrUnprocessable. GitHub has no setting to delete a merged pull
// request's branch: the repository's own "Automatically delete head
// branches" does.
func (c *Client) CreatePull(ctx context.Context, repo forge.Repo, pull forge.NewPull) (int, error) {
	api, err := c.api(repo)
	if err != nil {
		return 0, err
	}
	pr, _, err := api.PullRequests.Create(ctx, repo.Owner, repo.Name, &gh.NewPullRequest{
		Title:               gh.Ptr(pull.Title),
		Body:                gh.Ptr(Truncate(pull.Body, MaxCommentBody)),
		Head:                gh.Ptr(pull.Head),
		Base:                gh.Ptr(pull.Base),
		MaintainerCanModify: gh.Ptr(true),
	})
	if err != nil {
		return 0, fail(err, "open a pull request from %s in %s", pull.Head, repo)
	}
	if len(pull.Labels) > 0 {
		if _, _, err := api.Issues.AddLabelsToIssue(ctx, repo.Owner, repo.Name, pr.GetNumber(), pull.Labels); err != nil {
			return pr.GetNumber(), fmt.Errorf("%w: %w", forge.ErrNotLabelled, fail(err, "label %s#%d", repo, pr.GetNumber()))
		}
	}
	return pr.GetNumber(), nil
}

// EditPull changes the title, the body or the state in one call.
func (c *Client) EditPull(ctx context.Context, repo forge.Repo, number int, edit forge.PullEdit) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	update := &gh.PullRequest{}
	if edit.Title != "" {
		update.Title = gh.Ptr(edit.Title)
	}
	if edit.Body != "" {
		update.Body = gh.Ptr(Truncate(edit.Body, MaxCommentBody))
	}
	if edit.Close {
		update.State = gh.Ptr("closed")
	}
	if _, _, err := api.PullRequests.Edit(ctx, repo.Owner, repo.Name, number, update); err != nil {
		return fail(err, "edit pull request %s#%d", repo, number)
	}
	return nil
}
