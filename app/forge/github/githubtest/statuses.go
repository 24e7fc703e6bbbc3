package githubtest

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// GitHub's limits on commit statuses
// (https://docs.github.com/en/rest/commits/statuses#create-a-commit-status).
const (
	maxStatusDescription  = 140  // characters
	maxStatusesPerContext = 1000 // per commit and context
)

var statusStates = []string{"error", "failure", "pending", "success"}

// CommitStatus is a commit status as the client posted it.
type CommitStatus struct {
	ID                               int64
	SHA, State, Context, Description string
	TargetURL, Creator               string
	Created                          time.Time
}

// Statuses returns every commit status of the repository, oldest first.
func (r *Repo) Statuses() []CommitStatus {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	out := make([]CommitStatus, len(r.statuses))
	for i, s := range r.statuses {
		out[i] = *s
	}
	return out
}

// createStatus checks a status as GitHub does: a known state, a commit of
// the repository, a description of 140 characters at most, and at most
// 1,000 statuses per commit and context. The context defaults to "default".
func createStatus(c *call) {
	var body struct {
		State       string  `json:"state"`
		TargetURL   *string `json:"target_url"`
		Description *string `json:"description"`
		Context     *string `json:"context"`
	}
	if !c.decode(&body) {
		return
	}
	s := &CommitStatus{SHA: c.r.PathValue("sha"), State: body.State, Context: "default", Creator: c.user, Created: time.Now()}
	if body.Context != nil {
		s.Context = *body.Context
	}
	if body.Description != nil {
		s.Description = *body.Description
	}
	if body.TargetURL != nil {
		s.TargetURL = *body.TargetURL
	}
	switch {
	case c.repo.commits[s.SHA] == nil:
		c.fail(http.StatusUnprocessableEntity, "No commit found for SHA: "+s.SHA)
	case !slices.Contains(statusStates, s.State):
		c.invalid("Status", "state", "state is not included in the list")
	case utf8.RuneCountInString(s.Description) > maxStatusDescription:
		c.invalid("Status", "description", "description is too long (maximum is 140 characters)")
	case c.repo.statusCount(s.SHA, s.Context) >= maxStatusesPerContext:
		c.invalid("Status", "context", "This SHA and context has reached the maximum number of statuses.")
	default:
		s.ID = c.f.id()
		c.repo.statuses = append(c.repo.statuses, s)
		c.json(http.StatusCreated, statusJSON(s))
	}
}

// statusCount is how many statuses a commit has with a context, whatever
// its case.
func (r *Repo) statusCount(sha, context string) int {
	n := 0
	for _, s := range r.statuses {
		if s.SHA == sha && strings.EqualFold(s.Context, context) {
			n++
		}
	}
	return n
}

// listStatuses lists a commit's statuses newest first, as GitHub does: the
// first of a context is the one it shows.
func listStatuses(c *call) {
	ref := c.r.PathValue("ref")
	if c.repo.commits[ref] == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	var out []map[string]any
	for _, s := range slices.Backward(c.repo.statuses) {
		if s.SHA == ref {
			out = append(out, statusJSON(s))
		}
	}
	c.json(http.StatusOK, page(c, out))
}

func statusJSON(s *CommitStatus) map[string]any {
	var description, targetURL any
	if s.Description != "" {
		description = s.Description
	}
	if s.TargetURL != "" {
		targetURL = s.TargetURL
	}
	at := s.Created.UTC().Format(time.RFC3339)
	return map[string]any{"id": s.ID, "state": s.State, "context": s.Context, "description": description,
		"target_url": targetURL, "creator": map[string]any{"login": s.Creator}, "created_at": at, "updated_at": at}
}
