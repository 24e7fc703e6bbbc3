package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// maxDescription is the longest description GitLab keeps, in characters
// (Gitlab::Database::MAX_TEXT_SIZE_LIMIT).
const maxDescription = 1_000_000

// PullsFrom lists the merge requests from branch of the project itself, not
// from forks, open and closed, newest first.
func (c *Client) PullsFrom(ctx context.Context, repo forge.Repo, branch string) ([]forge.Pull, error) {
	return c.listMergeRequests(ctx, repo, &gl.ListProjectMergeRequestsOptions{State: gl.Ptr("all"), SourceBranch: gl.Ptr(branch)})
}

// OpenPulls lists every open merge request, newest first.
func (c *Client) OpenPulls(ctx context.Context, repo forge.Repo) ([]forge.Pull, error) {
	return c.listMergeRequests(ctx, repo, &gl.ListProjectMergeRequestsOptions{State: gl.Ptr("opened")})
}

func (c *Client) listMergeRequests(ctx context.Context, repo forge.Repo, opts *gl.ListProjectMergeRequestsOptions) ([]forge.Pull, error) {
	opts.OrderBy, opts.Sort, opts.PerPage = gl.Ptr("created_at"), gl.Ptr("desc"), perPage
	mrs, err := gl.ScanAndCollect(func(p gl.PaginationOptionFunc) ([]*gl.BasicMergeRequest, *gl.Response, error) {
		return c.api.MergeRequests.ListProjectMergeRequests(project(repo), opts, p, gl.WithContext(ctx))
	})
	if err != nil {
		return nil, fail(err, "list the merge requests of %s", repo)
	}
	out := make([]forge.Pull, 0, len(mrs))
	for _, mr := range mrs {
		if opts.SourceBranch != nil && mr.SourceProjectID != mr.TargetProjectID {
			continue
		}
		p := forge.Pull{Number: int(mr.IID), Title: mr.Title, Body: mr.Description, HeadRef: mr.SourceBranch, HeadSHA: mr.SHA,
			Open: mr.State == "opened", Merged: mr.State == "merged"}
		if mr.Author != nil {
			p.Author = mr.Author.Username
		}
		if mr.CreatedAt != nil {
			p.Created = *mr.CreatedAt
		}
		out = append(out, p)
	}
	return out, nil
}

// CreatePull opens a merge request that deletes its source branch when
// merged, with its labels by name (GitLab creates those the project
// lacks). A second open merge request from the same branch, GitLab's 409,
// is forge.ErrUnprocessable.
func (c *Client) CreatePull(ctx context.Context, repo forge.Repo, pull forge.NewPull) (int, error) {
	labels := gl.LabelOptions(pull.Labels)
	mr, _, err := c.api.MergeRequests.CreateMergeRequest(project(repo), &gl.CreateMergeRequestOptions{
		Title:              gl.Ptr(pull.Title),
		Description:        gl.Ptr(forgekit.Shorten(pull.Body, maxDescription)),
		SourceBranch:       gl.Ptr(pull.Head),
		TargetBranch:       gl.Ptr(pull.Base),
		Labels:             &labels,
		RemoveSourceBranch: gl.Ptr(true),
	}, gl.WithContext(ctx))
	var resp *gl.ErrorResponse
	if errors.As(err, &resp) && resp.StatusCode == http.StatusConflict {
		return 0, fmt.Errorf("open a merge request from %s in %s: %w: %w", pull.Head, repo, forge.ErrUnprocessable, err)
	}
	if err != nil {
		return 0, fail(err, "open a merge request from %s in %s", pull.Head, repo)
	}
	return int(mr.IID), nil
}

// EditPull changes the title, the description or the state in one call.
func (c *Client) EditPull(ctx context.Context, repo forge.Repo, number int, edit forge.PullEdit) error {
	opts := &gl.UpdateMergeRequestOptions{}
	if edit.Title != "" {
		opts.Title = gl.Ptr(edit.Title)
	}
	if edit.Body != "" {
		opts.Description = gl.Ptr(forgekit.Shorten(edit.Body, maxDescription))
	}
	if edit.Close {
		opts.StateEvent = gl.Ptr("close")
	}
	if _, _, err := c.api.MergeRequests.UpdateMergeRequest(project(repo), int64(number), opts, gl.WithContext(ctx)); err != nil {
		return fail(err, "edit merge request %s!%d", repo, number)
	}
	return nil
}
