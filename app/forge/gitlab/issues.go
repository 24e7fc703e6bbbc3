package gitlab

import (
	"context"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

var _ forge.Issues = (*Client)(nil)

// IssuesBy lists the project's issues author opened, open and closed,
// newest first, page by page up to forge.MaxIssuesListed.
func (c *Client) IssuesBy(ctx context.Context, repo forge.Repo, author string) ([]forge.Issue, error) {
	opts := &gl.ListProjectIssuesOptions{ListOptions: gl.ListOptions{PerPage: perPage}, State: gl.Ptr("all"),
		AuthorUsername: gl.Ptr(author), OrderBy: gl.Ptr("created_at"), Sort: gl.Ptr("desc")}
	var out []forge.Issue
	for len(out) < forge.MaxIssuesListed {
		issues, resp, err := c.api.Issues.ListProjectIssues(project(repo), opts, gl.WithContext(ctx))
		if err != nil {
			return nil, fail(err, "list the issues of %s", repo)
		}
		for _, is := range issues {
			out = append(out, issueOf(is))
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out[:min(len(out), forge.MaxIssuesListed)], nil
}

// Issue reads the issue of an iid.
func (c *Client) Issue(ctx context.Context, repo forge.Repo, number int) (forge.Issue, error) {
	is, _, err := c.api.Issues.GetIssue(project(repo), int64(number), gl.WithContext(ctx))
	if err != nil {
		return forge.Issue{}, fail(err, "read issue %s#%d", repo, number)
	}
	return issueOf(is), nil
}

func issueOf(is *gl.Issue) forge.Issue {
	i := forge.Issue{Number: int(is.IID), Title: is.Title, Body: is.Description, Open: is.State == "opened"}
	if is.Author != nil {
		i.Author = is.Author.Username
	}
	return i
}

// CreateIssue opens an issue and returns its iid.
func (c *Client) CreateIssue(ctx context.Context, repo forge.Repo, title, body string) (int, error) {
	is, _, err := c.api.Issues.CreateIssue(project(repo), &gl.CreateIssueOptions{Title: gl.Ptr(title),
		Description: gl.Ptr(forgekit.Shorten(body, maxDescription))}, gl.WithContext(ctx))
	if err != nil {
		return 0, fail(err, "open an issue in %s", repo)
	}
	return int(is.IID), nil
}

// EditIssue replaces an issue's description.
func (c *Client) EditIssue(ctx context.Context, repo forge.Repo, number int, body string) error {
	_, _, err := c.api.Issues.UpdateIssue(project(repo), int64(number), &gl.UpdateIssueOptions{
		Description: gl.Ptr(forgekit.Shorten(body, maxDescription))}, gl.WithContext(ctx))
	if err != nil {
		return fail(err, "edit issue %s#%d", repo, number)
	}
	return nil
}
