package githubtest

import (
	"net/http"
	"slices"

	"github.com/composeguard/composeguard/app/forge/forgetest"
)

var reviewEvents = map[string]string{"": "PENDING", "COMMENT": "COMMENTED", "APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}

type draftJSON struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	StartSide string `json:"start_side"`
	Line      int    `json:"line"`
	Side      string `json:"side"`
	Position  *int   `json:"position"`
	Body      string `json:"body"`
}

// createReview stores a review and its comments, or nothing: one comment
// whose line is outside its file's diff hunks refuses the whole review.
func createReview(c *call) {
	p, ok := c.pull("pull_number")
	if !ok {
		return
	}
	var body struct {
		CommitID string      `json:"commit_id"`
		Body     string      `json:"body"`
		Event    string      `json:"event"`
		Comments []draftJSON `json:"comments"`
	}
	if !c.decode(&body) {
		return
	}
	state, known := reviewEvents[body.Event]
	if body.CommitID == "" {
		body.CommitID = p.Head
	}
	switch {
	case !known:
		c.invalid("PullRequestReview", "event", "event is not included in the list")
		return
	case c.repo.commits[body.CommitID] == nil:
		c.invalid("PullRequestReview", "commit_id", "commit_id is not part of the pull request")
		return
	case body.Body == "" && len(body.Comments) == 0 && body.Event != "APPROVE" && body.Event != "":
		c.invalid("PullRequestReview", "body", "Body is required for this event")
		return
	}
	files := map[string]forgetest.FileDiff{}
	for _, cf := range c.repo.changedFiles(p.Base, body.CommitID) {
		files[cf.path] = cf.diff
	}
	for _, d := range body.Comments {
		if !onDiff(files, d) {
			c.invalid("PullRequestReviewComment", "pull_request_review_thread.line", "pull_request_review_thread.line must be part of the diff")
			return
		}
		if msg := rangeProblem(files[d.Path], d); msg != "" {
			c.invalid("PullRequestReviewComment", "pull_request_review_thread.start_line", msg)
			return
		}
	}
	rv := &Review{ID: c.f.id(), Number: p.Number, CommitID: body.CommitID, Body: body.Body, Event: body.Event, State: state, User: c.user}
	for _, d := range body.Comments {
		side := d.Side
		if side == "" {
			side = "RIGHT"
		}
		rc := &ReviewComment{ID: c.f.id(), ReviewID: rv.ID, Number: p.Number, Path: d.Path, StartLine: d.StartLine, Line: d.Line, Side: side,
			CommitID: body.CommitID, Body: d.Body, User: c.user}
		c.repo.notes = append(c.repo.notes, rc)
		rv.CommentIDs = append(rv.CommentIDs, rc.ID)
	}
	c.repo.reviews = append(c.repo.reviews, rv)
	c.json(http.StatusOK, map[string]any{"id": rv.ID, "state": state, "body": rv.Body, "commit_id": rv.CommitID,
		"user": map[string]string{"login": c.user}})
}

// onDiff reports whether a draft comment sits on a line of its file's hunks,
// on the side it names. The fake takes line anchors only, not the
// deprecated position.
func onDiff(files map[string]forgetest.FileDiff, d draftJSON) bool {
	fd, ok := files[d.Path]
	switch {
	case !ok || d.Position != nil || d.Body == "":
		return false
	case d.Side == "LEFT":
		return fd.OldLines[d.Line]
	default:
		return fd.NewLines[d.Line]
	}
}

// rangeProblem is GitHub's complaint about a multi-line comment's range,
// "" when it has none or it is good: the start precedes the line, on the
// same side and in the same hunk (only RIGHT ranges are taken).
func rangeProblem(fd forgetest.FileDiff, d draftJSON) string {
	switch {
	case d.StartLine == 0:
		return ""
	case d.StartLine >= d.Line:
		return "pull_request_review_thread.start_line must precede the end line"
	case d.StartSide != "" && d.StartSide != "RIGHT" || d.Side == "LEFT":
		return "the fake takes multi-line comments on the RIGHT side only"
	case !fd.NewLines[d.StartLine] || fd.NewHunk[d.StartLine] != fd.NewHunk[d.Line]:
		return "pull_request_review_thread.start_line must be part of the same hunk as the line"
	}
	return ""
}

func listReviewComments(c *call) {
	p, ok := c.pull("pull_number")
	if !ok {
		return
	}
	var out []map[string]any
	for _, rc := range c.repo.notes {
		if rc.Number == p.Number {
			out = append(out, c.repo.noteJSON(p, rc))
		}
	}
	c.json(http.StatusOK, page(c, out))
}

// noteJSON is a review comment as GitHub lists it: line and position are
// null once the file changed after the comment's commit (outdated).
func (r *Repo) noteJSON(p *Pull, rc *ReviewComment) map[string]any {
	var line, position, inReplyTo any
	if !r.outdated(p, rc) {
		line, position = rc.Line, rc.Line
	}
	if rc.InReplyTo != 0 {
		inReplyTo = rc.InReplyTo
	}
	var startLine any
	if rc.StartLine != 0 {
		startLine = rc.StartLine
	}
	return map[string]any{"id": rc.ID, "pull_request_review_id": rc.ReviewID, "path": rc.Path,
		"start_line": startLine, "line": line, "original_line": rc.Line, "position": position, "side": rc.Side,
		"commit_id": p.Head, "original_commit_id": rc.CommitID, "in_reply_to_id": inReplyTo,
		"body": rc.Body, "user": map[string]string{"login": rc.User}}
}

func (r *Repo) outdated(p *Pull, rc *ReviewComment) bool {
	then, now := r.commits[rc.CommitID], r.commits[p.Head]
	return then == nil || now == nil || then.entries[rc.Path].sha != now.entries[rc.Path].sha
}

// reply adds a comment to the thread of comment id (a reply to a reply joins
// the same thread); nil when the pull request has no such comment.
func (r *Repo) reply(number int, id int64, user, body string) *ReviewComment {
	i := slices.IndexFunc(r.notes, func(rc *ReviewComment) bool { return rc.ID == id && rc.Number == number })
	if i < 0 {
		return nil
	}
	root := r.notes[i]
	if root.InReplyTo != 0 {
		root = r.notes[slices.IndexFunc(r.notes, func(rc *ReviewComment) bool { return rc.ID == root.InReplyTo })]
	}
	rc := &ReviewComment{ID: r.f.id(), ReviewID: r.f.id(), InReplyTo: root.ID, Number: number, Path: root.Path,
		Line: root.Line, Side: root.Side, CommitID: root.CommitID, Body: body, User: user}
	r.notes = append(r.notes, rc)
	return rc
}
