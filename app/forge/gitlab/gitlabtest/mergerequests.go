package gitlabtest

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// MergeRequests returns every merge request of the project, by iid.
func (p *Project) MergeRequests() []MergeRequest {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	var out []MergeRequest
	for _, iid := range slices.Sorted(maps.Keys(p.mrs)) {
		mr := *p.mrs[iid]
		mr.Labels = slices.Clone(mr.Labels)
		out = append(out, mr)
	}
	return out
}

// CloseMergeRequest closes a merge request without merging it, as a person
// does.
func (p *Project) CloseMergeRequest(iid int64) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.mrs[iid].Closed = true
}

// MergeMergeRequest merges a merge request as a person does, with a merge
// commit on its target branch, and deletes its source branch when the
// merge request asks for that.
func (p *Project) MergeMergeRequest(iid int64) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	mr := p.mrs[iid]
	mr.Closed, mr.Merged = true, true
	target := p.targetBranch(mr)
	merge := p.addCommit(p.commits[mr.Head], CommitInfo{Parents: []string{p.branches[target], mr.Head},
		Message:    fmt.Sprintf("Merge branch '%s' into '%s'", mr.SourceBranch, target),
		AuthorName: DefaultAuthor, AuthorEmail: CommitEmail(DefaultAuthor), CommitterName: DefaultAuthor, CommitterEmail: CommitEmail(DefaultAuthor)})
	p.moveBranch(target, merge)
	if mr.RemoveSourceBranch {
		delete(p.branches, mr.SourceBranch)
	}
}

// SetMergeRequestCreated changes when a merge request was opened.
func (p *Project) SetMergeRequestCreated(iid int64, at time.Time) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.mrs[iid].Created = at
}

// Labels are the project's labels, in order of creation.
func (p *Project) Labels() []string {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	return slices.Clone(p.labels)
}

func (p *Project) targetBranch(mr *MergeRequest) string { return cmp.Or(mr.TargetBranch, "main") }

func (p *Project) mrJSON(mr *MergeRequest) map[string]any {
	state := "opened"
	switch {
	case mr.Merged:
		state = "merged"
	case mr.Closed:
		state = "closed"
	}
	source := p.ID
	if mr.Fork {
		source = p.ID + 1000
	}
	return map[string]any{
		"id": mr.IID + 1000, "iid": mr.IID, "project_id": p.ID, "title": mr.Title, "description": mr.Description,
		"state": state, "draft": mr.Draft, "work_in_progress": mr.Draft,
		"target_branch": p.targetBranch(mr), "source_branch": cmp.Or(mr.SourceBranch, "change"),
		"source_project_id": source, "target_project_id": p.ID, "sha": mr.Head,
		"author": map[string]any{"username": cmp.Or(mr.Author, DefaultAuthor)}, "labels": mr.Labels,
		"force_remove_source_branch": mr.RemoveSourceBranch, "created_at": mr.Created,
		"diff_refs": map[string]string{"base_sha": mr.Base, "start_sha": mr.Base, "head_sha": mr.Head},
		"web_url":   fmt.Sprintf("%s/-/merge_requests/%d", p.webURL(), mr.IID),
	}
}

// listMergeRequests lists merge requests by state (opened, closed, merged,
// all), source and target branch and author, ordered by created_at or
// updated_at (newest first unless sort=asc), 20 a page unless per_page.
func listMergeRequests(c *call) {
	q := c.r.URL.Query()
	if by := q.Get("order_by"); by != "" && by != "created_at" && by != "updated_at" {
		c.fail(http.StatusBadRequest, "400 Bad request - order_by does not have a valid value")
		return
	}
	var list []*MergeRequest
	for _, mr := range c.project.mrs {
		state := c.project.mrJSON(mr)["state"]
		switch {
		case q.Get("state") != "" && q.Get("state") != "all" && q.Get("state") != state,
			q.Has("source_branch") && q.Get("source_branch") != cmp.Or(mr.SourceBranch, "change"),
			q.Has("target_branch") && q.Get("target_branch") != c.project.targetBranch(mr),
			q.Has("author_username") && q.Get("author_username") != cmp.Or(mr.Author, DefaultAuthor):
			continue
		}
		list = append(list, mr)
	}
	slices.SortFunc(list, func(a, b *MergeRequest) int {
		order := cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.IID, b.IID))
		if q.Get("sort") == "asc" {
			return order
		}
		return -order
	})
	out := make([]map[string]any, 0, len(list))
	for _, mr := range list {
		out = append(out, c.project.mrJSON(mr))
	}
	c.json(http.StatusOK, page(c, out))
}

// labelNames reads GitLab's comma-separated label list, creating the
// project labels it names that do not exist, as GitLab does.
func (p *Project) labelNames(list string) []string {
	var out []string
	for name := range strings.SplitSeq(list, ",") {
		if name = strings.TrimSpace(name); name == "" || slices.Contains(out, name) {
			continue
		}
		if !slices.Contains(p.labels, name) {
			p.labels = append(p.labels, name)
		}
		out = append(out, name)
	}
	return out
}

// createMergeRequest opens a merge request from a branch of the project; a
// second open one from the same source branch is refused with 409, as
// MergeRequest#validate_branches does.
func createMergeRequest(c *call) {
	var body struct {
		SourceBranch       string `json:"source_branch"`
		TargetBranch       string `json:"target_branch"`
		Title              string `json:"title"`
		Description        string `json:"description"`
		Labels             string `json:"labels"`
		RemoveSourceBranch bool   `json:"remove_source_branch"`
	}
	if !c.decode(&body) {
		return
	}
	p := c.project
	if body.SourceBranch == "" || body.TargetBranch == "" || body.Title == "" {
		c.fail(http.StatusBadRequest, "400 Bad request - source_branch, target_branch and title are required")
		return
	}
	head, okSource := p.branches[body.SourceBranch]
	base, okTarget := p.branches[body.TargetBranch]
	if !okSource || !okTarget || body.SourceBranch == body.TargetBranch {
		c.json(http.StatusUnprocessableEntity, map[string]any{"message": []string{"Invalid source or target branch"}})
		return
	}
	for _, mr := range p.mrs {
		if mr.SourceBranch == body.SourceBranch && !mr.Closed && !mr.Fork {
			c.json(http.StatusConflict, map[string]any{"message": []string{
				fmt.Sprintf("Another open merge request already exists for this source branch: !%d", mr.IID)}})
			return
		}
	}
	mr := &MergeRequest{IID: int64(len(p.mrs) + 1), Title: body.Title, Description: body.Description, Base: base, Head: head,
		SourceBranch: body.SourceBranch, TargetBranch: body.TargetBranch, Author: c.user,
		Labels: p.labelNames(body.Labels), RemoveSourceBranch: body.RemoveSourceBranch, Created: time.Now().UTC()}
	for p.mrs[mr.IID] != nil {
		mr.IID++
	}
	p.mrs[mr.IID] = mr
	c.json(http.StatusCreated, p.mrJSON(mr))
}

// updateMergeRequest changes the title, the description or the state (state_event close or reopen).
func updateMergeRequest(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
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
	if body.Title != nil {
		if *body.Title == "" {
			c.fail(http.StatusBadRequest, "400 Bad request - title is empty")
			return
		}
		mr.Title = *body.Title
	}
	if body.Description != nil {
		mr.Description = *body.Description
	}
	switch body.StateEvent {
	case "":
	case "close":
		mr.Closed = true
	case "reopen":
		mr.Closed = mr.Merged
	default:
		c.fail(http.StatusBadRequest, "400 Bad request - state_event does not have a valid value")
		return
	}
	c.json(http.StatusOK, c.project.mrJSON(mr))
}
