package gitlab

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
)

// A review is a diff discussion per inline comment
// (https://docs.gitlab.com/api/discussions/#create-a-new-thread-in-the-merge-request-diff),
// positioned by the merge request's diff refs on the new side of an added
// line. GitLab has no review object: the review's own body is left out,
// the summary note says the same.

func errMoved(repo forge.Repo, number int, head, now string) error {
	return fmt.Errorf("gitlab: merge request %s!%d moved on from %s to %s", repo, number, head, now)
}

// ReviewComments lists the notes of the diff discussions the token's user
// started, replies of that user included: composeguard trusts only its own
// notes. A note's Line is where it was placed.
func (c *Client) ReviewComments(ctx context.Context, repo forge.Repo, number int) ([]forge.Comment, error) {
	login, err := c.Login(ctx)
	if err != nil {
		return nil, err
	}
	discussions, err := c.discussions(ctx, repo, number)
	if err != nil {
		return nil, err
	}
	var out []forge.Comment
	for _, d := range discussions {
		first := d.Notes[0]
		if first.Position == nil || first.Author.Username != login {
			continue
		}
		for _, n := range d.Notes {
			if n.System || n.Author.Username != login {
				continue
			}
			cm := forge.Comment{ID: n.ID, Path: first.Position.NewPath, Line: int(first.Position.NewLine), Body: n.Body, Author: n.Author.Username}
			if n.ID != first.ID {
				cm.InReplyTo = first.ID
			}
			out = append(out, cm)
		}
	}
	return out, nil
}

// discussions lists a merge request's discussions that hold notes, all
// pages.
func (c *Client) discussions(ctx context.Context, repo forge.Repo, number int) ([]*gl.Discussion, error) {
	opts := &gl.ListMergeRequestDiscussionsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	all, err := gl.ScanAndCollect(func(p gl.PaginationOptionFunc) ([]*gl.Discussion, *gl.Response, error) {
		return c.api.Discussions.ListMergeRequestDiscussions(project(repo), int64(number), opts, p, gl.WithContext(ctx))
	})
	if err != nil {
		return nil, fail(err, "list the discussions of %s!%d", repo, number)
	}
	out := all[:0]
	for _, d := range all {
		if len(d.Notes) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// CreateReview starts one diff discussion per comment on its line of
// review.CommitSHA; a comment on several lines is placed on its last, and
// its suggestion replaces the lines above too (GitLab's
// "suggestion:-N+0"). A position GitLab refuses (400, "line_code" errors) does
// not stop the others: those refused come back as a *forge.PlacementError.
// Any other failure stops at once; a retry finds the discussions already
// started by their markers.
func (c *Client) CreateReview(ctx context.Context, repo forge.Repo, number int, review forge.Review) error {
	refs, err := c.positionRefs(ctx, repo, number, review.CommitSHA)
	if err != nil {
		return err
	}
	var refused []int
	for i, ic := range review.Comments {
		_, _, err := c.api.Discussions.CreateMergeRequestDiscussion(project(repo), int64(number), &gl.CreateMergeRequestDiscussionOptions{
			Body: gl.Ptr(spanSuggestion(ic)),
			Position: &gl.PositionOptions{
				PositionType: gl.Ptr("text"),
				BaseSHA:      gl.Ptr(refs.BaseSha),
				StartSHA:     gl.Ptr(refs.StartSha),
				HeadSHA:      gl.Ptr(refs.HeadSha),
				OldPath:      gl.Ptr(ic.Path),
				NewPath:      gl.Ptr(ic.Path),
				NewLine:      gl.Ptr(int64(ic.Line)),
			},
		}, gl.WithContext(ctx))
		if err == nil {
			continue
		}
		if err = fail(err, "comment on %s:%d of %s!%d", ic.Path, ic.Line, repo, number); !errors.Is(err, forge.ErrUnprocessable) {
			return err
		}
		refused = append(refused, i)
	}
	if len(refused) > 0 {
		return &forge.PlacementError{Refused: refused}
	}
	return nil
}

// ReviewThreads lists the merge request's diff discussions, all pages.
func (c *Client) ReviewThreads(ctx context.Context, repo forge.Repo, number int) ([]forge.Thread, error) {
	discussions, err := c.discussions(ctx, repo, number)
	if err != nil {
		return nil, err
	}
	var out []forge.Thread
	for _, d := range discussions {
		if first := d.Notes[0]; first.Position != nil {
			out = append(out, forge.Thread{ID: threadID(number, d.ID), FirstComment: first.ID, Author: first.Author.Username, Body: first.Body,
				Path: first.Position.NewPath, Line: int(first.Position.NewLine), Resolved: first.Resolved})
		}
	}
	return out, nil
}

// suggestionFence opens a suggestion block of the review comment template.
var suggestionFence = regexp.MustCompile("(?m)^(```+)suggestion$")

// spanSuggestion makes the suggestion of a comment on StartLine..Line
// replace every line of the range: GitLab places a comment on one line and
// counts the lines above that a suggestion replaces.
func spanSuggestion(ic forge.InlineComment) string {
	if ic.StartLine == 0 || ic.StartLine >= ic.Line {
		return ic.Body
	}
	done := false
	return suggestionFence.ReplaceAllStringFunc(ic.Body, func(fence string) string {
		if done {
			return fence
		}
		done = true
		return fmt.Sprintf("%s:-%d+0", fence, ic.Line-ic.StartLine)
	})
}

// threadID names a discussion for ResolveThread: GitLab knows a
// discussion only within its merge request.
func threadID(number int, discussion string) string {
	return strconv.Itoa(number) + ":" + discussion
}

func parseThreadID(id string) (int, string, error) {
	n, discussion, ok := strings.Cut(id, ":")
	number, err := strconv.Atoi(n)
	if !ok || err != nil || discussion == "" {
		return 0, "", fmt.Errorf("gitlab: %q names no discussion", id)
	}
	return number, discussion, nil
}

// ResolveThread resolves a discussion ReviewThreads listed, without a note.
func (c *Client) ResolveThread(ctx context.Context, repo forge.Repo, id string) error {
	number, discussion, err := parseThreadID(id)
	if err != nil {
		return err
	}
	_, _, err = c.api.Discussions.ResolveMergeRequestDiscussion(project(repo), int64(number), discussion,
		&gl.ResolveMergeRequestDiscussionOptions{Resolved: gl.Ptr(true)}, gl.WithContext(ctx))
	if err != nil {
		return fail(err, "resolve discussion %s of %s!%d", discussion, repo, number)
	}
	return nil
}
