package githubtest

import (
	"fmt"
	"net/http"
	"slices"
)

// maxCommentBody is GitHub's limit on a comment body, in characters.
const maxCommentBody = 65536

func issueJSON(ic *IssueComment) map[string]any {
	return map[string]any{"id": ic.ID, "body": ic.Body, "user": map[string]string{"login": ic.User}}
}

func listIssueComments(c *call) {
	p, ok := c.pull("issue_number")
	if !ok {
		return
	}
	var out []map[string]any
	for _, ic := range c.repo.comments {
		if ic.Number == p.Number {
			out = append(out, issueJSON(ic))
		}
	}
	c.json(http.StatusOK, page(c, out))
}

func createIssueComment(c *call) {
	p, ok := c.pull("issue_number")
	if !ok {
		return
	}
	body, ok := commentBody(c)
	if !ok {
		return
	}
	ic := &IssueComment{ID: c.f.id(), Number: p.Number, Body: body, User: c.user}
	c.repo.comments = append(c.repo.comments, ic)
	c.json(http.StatusCreated, issueJSON(ic))
}

func editIssueComment(c *call) {
	id, ok := c.number("comment_id")
	if !ok {
		return
	}
	i := slices.IndexFunc(c.repo.comments, func(ic *IssueComment) bool { return ic.ID == id })
	if i < 0 {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	body, ok := commentBody(c)
	if !ok {
		return
	}
	ic := c.repo.comments[i]
	ic.Body = body
	ic.Edits++
	c.json(http.StatusOK, issueJSON(ic))
}

// commentBody reads a comment's body, refusing an empty or oversized one.
func commentBody(c *call) (string, bool) {
	var body struct {
		Body string `json:"body"`
	}
	if !c.decode(&body) {
		return "", false
	}
	n := len([]rune(body.Body))
	switch {
	case n == 0:
		c.invalid("IssueComment", "body", "body is missing")
	case n > maxCommentBody:
		c.invalid("IssueComment", "body", fmt.Sprintf("body is too long (maximum is %d characters)", maxCommentBody))
	default:
		return body.Body, true
	}
	return "", false
}
