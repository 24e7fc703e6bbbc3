package gitlabtest

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Issue is an issue of a project; its iid counts apart from merge
// requests', as GitLab's does.
type Issue struct {
	IID                        int64
	Title, Description, Author string
	Closed                     bool
	Edits                      int // PUT requests that changed it
}

// maxDescription is GitLab's limit on a description, in characters.
const maxDescription = 1_000_000

// AddIssue opens an issue as user would.
func (p *Project) AddIssue(user, title, description string) int64 {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	return p.addIssue(&Issue{Title: title, Description: description, Author: user}).IID
}

func (p *Project) addIssue(is *Issue) *Issue {
	if p.issues == nil {
		p.issues = map[int64]*Issue{}
	}
	is.IID = int64(len(p.issues) + 1)
	p.issues[is.IID] = is
	return is
}

// EditIssue changes an issue's description as a person does in the
// browser (ticking a box of a task list).
func (p *Project) EditIssue(iid int64, description string) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.issues[iid].Description = description
}

// CloseIssue closes an issue as a person does.
func (p *Project) CloseIssue(iid int64) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.issues[iid].Closed = true
}

// Issues returns every issue, by iid.
func (p *Project) Issues() []Issue {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	var out []Issue
	for _, iid := range slices.Sorted(maps.Keys(p.issues)) {
		out = append(out, *p.issues[iid])
	}
	return out
}

func (p *Project) issueJSON(is *Issue) map[string]any {
	state := "opened"
	if is.Closed {
		state = "closed"
	}
	return map[string]any{"id": 10000 + is.IID, "iid": is.IID, "project_id": p.ID, "title": is.Title,
		"description": is.Description, "state": state, "author": map[string]any{"username": cmp.Or(is.Author, DefaultAuthor)}}
}

// listIssues lists a project's issues, newest first unless sort=asc,
// filtered by state (all unless given) and author_username.
func listIssues(c *call) {
	q := c.r.URL.Query()
	if by := q.Get("order_by"); by != "" && by != "created_at" {
		c.fail(http.StatusBadRequest, "the fake orders issues by created_at only")
		return
	}
	iids := slices.Sorted(maps.Keys(c.project.issues))
	if q.Get("sort") != "asc" {
		slices.Reverse(iids)
	}
	out := []map[string]any{}
	for _, iid := range iids {
		is := c.project.issues[iid]
		j := c.project.issueJSON(is)
		switch {
		case q.Get("state") != "" && q.Get("state") != "all" && q.Get("state") != j["state"],
			q.Has("author_username") && q.Get("author_username") != cmp.Or(is.Author, DefaultAuthor):
			continue
		}
		out = append(out, j)
	}
	c.json(http.StatusOK, page(c, out))
}

// createIssue opens an issue: 400 without a title, as GitLab answers.
func createIssue(c *call) {
	var body struct {
		Title       string `json:"title"`
		Description string `json:"description"`
	}
	if !c.decode(&body) {
		return
	}
	switch {
	case body.Title == "":
		c.fail(http.StatusBadRequest, "400 Bad request - title is missing")
		return
	case utf8.RuneCountInString(body.Description) > maxDescription:
		c.json(http.StatusBadRequest, map[string]any{"message": map[string]any{"description": []string{"is too long (maximum is 1000000 characters)"}}})
		return
	}
	is := c.project.addIssue(&Issue{Title: body.Title, Description: body.Description, Author: c.user})
	c.json(http.StatusCreated, c.project.issueJSON(is))
}

// getIssue reads the issue of an iid.
func getIssue(c *call) {
	iid, err := strconv.ParseInt(c.r.PathValue("iid"), 10, 64)
	is := c.project.issues[iid]
	if err != nil || is == nil {
		c.fail(http.StatusNotFound, "404 Not found")
		return
	}
	c.json(http.StatusOK, c.project.issueJSON(is))
}

// updateIssue changes an issue's title, description or state.
func updateIssue(c *call) {
	iid, err := strconv.ParseInt(c.r.PathValue("iid"), 10, 64)
	is := c.project.issues[iid]
	if err != nil || is == nil {
		c.fail(http.StatusNotFound, "404 Issue Not Found")
		return
	}
	var body struct {
		Title       *string `json:"title"`
		Description *string `json:"description"`
		StateEvent  string  `json:"state_event"`
	}
	if !c.decode(&body) {
		return
	}
	if body.Description != nil && utf8.RuneCountInString(*body.Description) > maxDescription {
		c.json(http.StatusBadRequest, map[string]any{"message": map[string]any{"description": []string{"is too long (maximum is 1000000 characters)"}}})
		return
	}
	if body.Title != nil {
		is.Title = *body.Title
	}
	if body.Description != nil {
		is.Description = *body.Description
	}
	switch body.StateEvent {
	case "close":
		is.Closed = true
	case "reopen":
		is.Closed = false
	}
	is.Edits++
	c.json(http.StatusOK, c.project.issueJSON(is))
}
