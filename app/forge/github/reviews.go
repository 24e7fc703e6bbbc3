package github

import (
	"context"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

// ReviewComments lists every review comment of the pull request, replies
// included. An outdated comment (GitHub gives it no line any more) keeps the
// line it was written on.
func (c *Client) ReviewComments(ctx context.Context, repo forge.Repo, number int) ([]forge.Comment, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	all, err := listAll(0, func(opts gh.ListOptions) ([]*gh.PullRequestComment, *gh.Response, error) {
		return api.PullRequests.ListComments(ctx, repo.Owner, repo.Name, number, &gh.PullRequestListCommentsOptions{ListOptions: opts})
	})
	if err != nil {
		return nil, fail(err, "list the review comments of %s#%d", repo, number)
	}
	out := make([]forge.Comment, 0, len(all))
	for _, rc := range all {
		line := rc.GetLine()
		if rc.Line == nil {
			line = rc.GetOriginalLine()
		}
		out = append(out, forge.Comment{
			ID:        rc.GetID(),
			Path:      rc.GetPath(),
			Line:      line,
			Body:      rc.GetBody(),
			Author:    rc.GetUser().GetLogin(),
			InReplyTo: rc.GetInReplyTo(),
			Outdated:  rc.Line == nil,
		})
	}
	return out, nil
}

// CreateReview posts one COMMENT review at review.CommitSHA with every inline
// comment on the new side of its line or lines. GitHub refuses the whole review (422,
// forge.ErrUnprocessable) when any line is outside the diff.
func (c *Client) CreateReview(ctx context.Context, repo forge.Repo, number int, review forge.Review) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	req := &gh.PullRequestReviewRequest{
		CommitID: gh.Ptr(review.CommitSHA),
		Body:     optional(Truncate(review.Body, MaxCommentBody)),
		Event:    gh.Ptr("COMMENT"),
	}
	for _, ic := range review.Comments {
		draft := &gh.DraftReviewComment{
			Path: gh.Ptr(ic.Path),
			Line: gh.Ptr(ic.Line),
			Side: gh.Ptr("RIGHT"),
			Body: gh.Ptr(Truncate(ic.Body, MaxCommentBody)),
		}
		if ic.StartLine > 0 && ic.StartLine < ic.Line {
			draft.StartLine, draft.StartSide = gh.Ptr(ic.StartLine), gh.Ptr("RIGHT")
		}
		req.Comments = append(req.Comments, draft)
	}
	if _, _, err := api.PullRequests.CreateReview(ctx, repo.Owner, repo.Name, number, req); err != nil {
		return fail(err, "review %s#%d at %s with %d comments", repo, number, review.CommitSHA, len(review.Comments))
	}
	return nil
}
