package githubtest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// PullView is a pull request with what the bump flow writes to it.
type PullView struct {
	Pull
	Body, User string
	Labels     []string
	Merged     bool
	Created    time.Time
}

// Pulls returns every pull request of the repository, by number.
func (r *Repo) Pulls() []PullView {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	var out []PullView
	for _, n := range r.pullNumbers() {
		out = append(out, r.view(n))
	}
	return out
}

// ClosePull closes a pull request without merging it, as a person does.
func (r *Repo) ClosePull(number int) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.pulls[number].Closed = true
}

// MergePull merges a pull request as a person does, with a merge commit
// on its base branch.
func (r *Repo) MergePull(number int) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	p := r.pulls[number]
	p.Closed = true
	r.pullMeta(number).merged = true
	base := r.state().branches[p.BaseRef]
	merge := r.addCommit(maps.Clone(r.commits[p.Head].entries),
		&commitMeta{parents: []string{base, p.Head}, message: fmt.Sprintf("Merge pull request #%d", number), author: "octocat"})
	r.moveBranch(p.BaseRef, merge)
}

// SetPullCreated changes when a pull request was opened.
func (r *Repo) SetPullCreated(number int, at time.Time) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.pullMeta(number).created = at
}

func (r *Repo) pullNumbers() []int {
	numbers := make([]int, 0, len(r.pulls))
	for n := range r.pulls {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	return numbers
}

// pullMeta returns a pull request's details; a seeded one is octocat's.
func (r *Repo) pullMeta(number int) *pullMeta {
	g := r.state()
	if m := g.pulls[number]; m != nil {
		return m
	}
	m := &pullMeta{user: "octocat"}
	g.pulls[number] = m
	return m
}

func (r *Repo) view(number int) PullView {
	m := r.pullMeta(number)
	return PullView{Pull: *r.pulls[number], Body: m.body, User: m.user, Labels: slices.Clone(m.labels), Merged: m.merged, Created: m.created}
}

func (r *Repo) pullJSON(number int) map[string]any {
	v := r.view(number)
	state, merged := "open", any(nil)
	if v.Closed {
		state = "closed"
	}
	if v.Merged {
		merged = v.Created.Format(time.RFC3339)
	}
	var labels []map[string]string
	for _, l := range v.Labels {
		labels = append(labels, map[string]string{"name": l})
	}
	repo := r.json(r.id, r.owner)
	return map[string]any{
		"number": v.Number, "state": state, "title": v.Title, "body": v.Body, "draft": v.Draft,
		"user":       map[string]string{"login": v.User},
		"created_at": v.Created.UTC().Format(time.RFC3339), "merged_at": merged, "labels": labels,
		"head": map[string]any{"ref": v.HeadRef, "sha": v.Head, "label": r.owner + ":" + v.HeadRef, "repo": repo},
		"base": map[string]any{"ref": v.BaseRef, "sha": v.Base, "label": r.owner + ":" + v.BaseRef, "repo": repo},
	}
}

// listPulls lists pull requests newest first, filtered by state (open
// unless given) and by head ("owner:branch").
func listPulls(c *call) {
	q := c.r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var out []map[string]any
	numbers := c.repo.pullNumbers()
	slices.Reverse(numbers)
	for _, n := range numbers {
		p := c.repo.pulls[n]
		switch {
		case state == "open" && p.Closed, state == "closed" && !p.Closed:
			continue
		case q.Get("head") != "" && q.Get("head") != c.repo.owner+":"+p.HeadRef:
			continue
		}
		out = append(out, c.repo.pullJSON(n))
	}
	c.json(http.StatusOK, page(c, out))
}

// listPullsAtCommit lists the pull requests whose head is the commit,
// newest first: the open ones GitHub associates with a commit not on the
// default branch.
func listPullsAtCommit(c *call) {
	sha := c.r.PathValue("commit_sha")
	var out []map[string]any
	numbers := c.repo.pullNumbers()
	slices.Reverse(numbers)
	for _, n := range numbers {
		if c.repo.pulls[n].Head == sha {
			out = append(out, c.repo.pullJSON(n))
		}
	}
	c.json(http.StatusOK, page(c, out))
}

// createPull opens a pull request between two branches of the repository;
// a second open one for the same head and base is refused as GitHub does.
func createPull(c *call) {
	var body struct {
		Title string `json:"title"`
		Head  string `json:"head"`
		Base  string `json:"base"`
		Body  string `json:"body"`
	}
	if !c.decode(&body) {
		return
	}
	g := c.repo.state()
	head := strings.TrimPrefix(body.Head, c.repo.owner+":")
	switch {
	case body.Title == "":
		c.invalid("PullRequest", "title", "title is missing")
		return
	case g.branches[head] == "":
		c.invalid("PullRequest", "head", "head is invalid")
		return
	case g.branches[body.Base] == "":
		c.invalid("PullRequest", "base", "base is invalid")
		return
	}
	for _, p := range c.repo.pulls {
		if !p.Closed && p.HeadRef == head && p.BaseRef == body.Base {
			c.invalid("PullRequest", "", fmt.Sprintf("A pull request already exists for %s:%s.", c.repo.owner, head))
			return
		}
	}
	n := c.repo.nextNumber()
	c.repo.pulls[n] = &Pull{Number: n, Title: body.Title, Base: g.branches[body.Base], Head: g.branches[head], BaseRef: body.Base, HeadRef: head}
	m := c.repo.pullMeta(n)
	m.body, m.user, m.created = body.Body, c.user, time.Now().UTC()
	c.json(http.StatusCreated, c.repo.pullJSON(n))
}

// editPull changes a pull request's title, body or state.
func editPull(c *call) {
	p, ok := c.pull("pull_number")
	if !ok {
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
	if body.Title != nil {
		p.Title = *body.Title
	}
	if body.Body != nil {
		c.repo.pullMeta(p.Number).body = *body.Body
	}
	if body.State != nil {
		p.Closed = *body.State == "closed"
	}
	c.json(http.StatusOK, c.repo.pullJSON(p.Number))
}

// addLabels adds labels to a pull request (an issue, for labels).
func addLabels(c *call) {
	p, ok := c.pull("issue_number")
	if !ok {
		return
	}
	// GitHub takes {"labels": [...]} or, as go-github sends, the bare list.
	var body struct {
		Labels []string `json:"labels"`
	}
	raw, _ := io.ReadAll(c.r.Body)
	if json.Unmarshal(raw, &body.Labels) != nil && json.Unmarshal(raw, &body) != nil {
		c.fail(http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	m := c.repo.pullMeta(p.Number)
	var out []map[string]string
	for _, l := range body.Labels {
		if !slices.Contains(m.labels, l) {
			m.labels = append(m.labels, l)
		}
	}
	for _, l := range m.labels {
		out = append(out, map[string]string{"name": l})
	}
	c.json(http.StatusOK, out)
}
