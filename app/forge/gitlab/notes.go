package gitlab

import (
	"context"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
)

// IssueComments lists the merge request's notes that the token's user
// wrote outside diff discussions: composeguard trusts only its own notes,
// so a marker someone else writes is never taken for its summary.
func (c *Client) IssueComments(ctx context.Context, repo forge.Repo, number int) ([]forge.Comment, error) {
	login, err := c.Login(ctx)
	if err != nil {
		return nil, err
	}
	opts := &gl.ListMergeRequestNotesOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	all, err := gl.ScanAndCollect(func(p gl.PaginationOptionFunc) ([]*gl.Note, *gl.Response, error) {
		return c.api.Notes.ListMergeRequestNotes(project(repo), int64(number), opts, p, gl.WithContext(ctx))
	})
	if err != nil {
		return nil, fail(err, "list the notes of %s!%d", repo, number)
	}
	var out []forge.Comment
	for _, n := range all {
		if !n.System && n.Position == nil && n.Author.Username == login {
			out = append(out, forge.Comment{ID: n.ID, Body: n.Body, Author: n.Author.Username})
		}
	}
	return out, nil
}

// CreateIssueComment adds a note to the merge request and returns its id.
func (c *Client) CreateIssueComment(ctx context.Context, repo forge.Repo, number int, body string) (int64, error) {
	n, _, err := c.api.Notes.CreateMergeRequestNote(project(repo), int64(number), &gl.CreateMergeRequestNoteOptions{Body: &body}, gl.WithContext(ctx))
	if err != nil {
		return 0, fail(err, "add a note to %s!%d", repo, number)
	}
	return n.ID, nil
}

// EditIssueComment replaces the body of a note of the merge request.
func (c *Client) EditIssueComment(ctx context.Context, repo forge.Repo, number int, noteID int64, body string) error {
	_, _, err := c.api.Notes.UpdateMergeRequestNote(project(repo), int64(number), noteID, &gl.UpdateMergeRequestNoteOptions{Body: &body}, gl.WithContext(ctx))
	if err != nil {
		return fail(err, "edit note %d of %s!%d", noteID, repo, number)
	}
	return nil
}
