package githubtest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Issue is an issue of the repository.
type Issue struct {
	Number            int
	Title, Body, User string
	Closed            bool
	Edits             int // PATCH requests that changed it
}

// AddIssue opens an issue as user would.
func (r *Repo) AddIssue(user, title, body string) int {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	n := r.nextNumber()
	r.issues()[n] = &Issue{Number: n, Title: title, Body: body, User: user}
	return n
}

// EditIssue changes an issue's body as a person does in the browser
// (ticking a box of a task list).
func (r *Repo) EditIssue(number int, body string) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.issues()[number].Body = body
}

// Issues returns every issue, pull requests left out, by number.
func (r *Repo) Issues() []Issue {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	var out []Issue
	for _, n := range slices.Sorted(maps.Keys(r.issues())) {
		out = append(out, *r.issues()[n])
	}
	return out
}

func (r *Repo) issues() map[int]*Issue {
	g := r.state()
	if g.issues == nil {
		g.issues = map[int]*Issue{}
	}
	return g.issues
}

// nextNumber is the number of a new issue or pull request: GitHub numbers
// both in one sequence.
func (r *Repo) nextNumber() int {
	n := 0
	for k := range r.pulls {
		n = max(n, k)
	}
	for k := range r.issues() {
		n = max(n, k)
	}
	return n + 1
}

func issueItemJSON(is *Issue) map[string]any {
	state := "open"
	if is.Closed {
		state = "closed"
	}
	return map[string]any{"number": is.Number, "title": is.Title, "body": is.Body, "state": state,
		"user": map[string]string{"login": is.User}}
}

// MissBotCreators makes the issue listing's creator filter match no bot
// login ("name[bot]"), as GitHub Enterprise Cloud's does
// (renovatebot/renovate#44730).
func (f *Fake) MissBotCreators() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.missBotCreators = true
}

// listIssues lists issues and pull requests, as GitHub does (a pull
// request carries "pull_request"), newest first, filtered by state (open
// unless given) and creator.
func listIssues(c *call) {
	q := c.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	if q.Get("sort") != "" && q.Get("sort") != "created" || q.Get("direction") == "asc" {
		c.fail(http.StatusBadRequest, "the fake lists issues newest first only")
		return
	}
	creator := q.Get("creator")
	keep := func(closed bool, user string) bool {
		if c.f.missBotCreators && strings.HasSuffix(creator, "[bot]") {
			return false
		}
		return (state == "all" || state == "open" && !closed || state == "closed" && closed) &&
			(creator == "" || creator == user)
	}
	numbers := append(c.repo.pullNumbers(), slices.Collect(maps.Keys(c.repo.issues()))...)
	slices.Sort(numbers)
	slices.Reverse(numbers)
	var out []map[string]any
	for _, n := range numbers {
		if is := c.repo.issues()[n]; is != nil {
			if keep(is.Closed, is.User) {
				out = append(out, issueItemJSON(is))
			}
			continue
		}
		v := c.repo.view(n)
		if keep(v.Closed, v.User) {
			item := c.repo.pullJSON(n)
			item["pull_request"] = map[string]any{"url": fmt.Sprintf("/repos/%s/%s/pulls/%d", c.repo.owner, c.repo.name, n)}
			out = append(out, item)
		}
	}
	c.json(http.StatusOK, page(c, out))
}

// getIssue reads an issue, or a pull request as an issue ("pull_request"
// set), as GitHub does.
func getIssue(c *call) {
	n, ok := c.number("issue_number")
	if !ok {
		return
	}
	if is := c.repo.issues()[int(n)]; is != nil {
		c.json(http.StatusOK, issueItemJSON(is))
		return
	}
	if c.repo.pulls[int(n)] == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	item := c.repo.pullJSON(int(n))
	item["pull_request"] = map[string]any{"url": fmt.Sprintf("/repos/%s/%s/pulls/%d", c.repo.owner, c.repo.name, n)}
	c.json(http.StatusOK, item)
}

// createIssue opens an issue; GitHub refuses one without a title, or with
// a body over its limit.
func createIssue(c *call) {
	var body struct {
		Title *string `json:"title"`
		Body  string  `json:"body"`
	}
	if !c.decode(&body) {
		return
	}
	switch {
	case body.Title == nil || *body.Title == "":
		c.invalid("Issue", "title", "title is missing")
		return
	case len([]rune(body.Body)) > maxCommentBody:
		c.invalid("Issue", "body", fmt.Sprintf("body is too long (maximum is %d characters)", maxCommentBody))
		return
	}
	n := c.repo.nextNumber()
	is := &Issue{Number: n, Title: *body.Title, Body: body.Body, User: c.user}
	c.repo.issues()[n] = is
	c.json(http.StatusCreated, issueItemJSON(is))
}

// editIssue changes an issue's title, body or state.
func editIssue(c *call) {
	n, ok := c.number("issue_number")
	if !ok {
		return
	}
	is := c.repo.issues()[int(n)]
	if is == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	var body struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
	}
	if !c.decode(&body) {
		return
	}
	if body.Body != nil && len([]rune(*body.Body)) > maxCommentBody {
		c.invalid("Issue", "body", fmt.Sprintf("body is too long (maximum is %d characters)", maxCommentBody))
		return
	}
	if body.Title != nil {
		is.Title = *body.Title
	}
	if body.Body != nil {
		is.Body = *body.Body
	}
	if body.State != nil {
		is.Closed = *body.State == "closed"
	}
	is.Edits++
	c.json(http.StatusOK, issueItemJSON(is))
}

// CloseIssue closes an issue as a person does.
func (r *Repo) CloseIssue(number int) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.issues()[number].Closed = true
}
