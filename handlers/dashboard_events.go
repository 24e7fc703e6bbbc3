package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
)

// The deliveries that refresh a security dashboard (app/dashboard): a push
// to the default branch that may change what it shows, and an edit of an
// issue that carries its marker, where a person may have ticked a box. The
// job checks that the issue is the server's own; the handlers only keep
// deliveries that cannot matter from queueing work.

// maxGitHubPushCommits is the most commits GitHub lists in a push
// delivery; a push of more may touch files the listing leaves out.
const maxGitHubPushCommits = 2048

// dashboardInput reports whether a file can change what a dashboard shows:
// YAML (compose files, whatever the policy's patterns, and the policy
// itself) and .env files, which compose files interpolate.
func dashboardInput(p string) bool {
	base := path.Base(p)
	return strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml") || base == ".env" || strings.HasPrefix(base, ".env.")
}

// pushedCommit lists the files a pushed commit changes, as both forges
// spell them.
type pushedCommit struct {
	Added    []string `json:"added"`
	Modified []string `json:"modified"`
	Removed  []string `json:"removed"`
}

// touches reports whether commits change a dashboard's input; complete is
// false when the delivery lists only some of the commits pushed.
func touches(commits []pushedCommit, complete bool) bool {
	if !complete {
		return true
	}
	for _, c := range commits {
		for _, list := range [][]string{c.Added, c.Modified, c.Removed} {
			for _, p := range list {
				if dashboardInput(p) {
					return true
				}
			}
		}
	}
	return false
}

// dashboardRequest is a refresh a delivery asks for, and its event's
// identity.
type dashboardRequest struct {
	repo     forge.Repository
	identity string
	issue    int // the issue edited; 0 for a push
}

type (
	githubPushPayload struct {
		githubCommon
		Ref     string         `json:"ref"`
		After   string         `json:"after"`
		Deleted bool           `json:"deleted"`
		Commits []pushedCommit `json:"commits"`
	}
	githubIssuesPayload struct {
		githubCommon
		Issue struct {
			Number      int             `json:"number"`
			Body        string          `json:"body"`
			UpdatedAt   string          `json:"updated_at"`
			PullRequest json.RawMessage `json:"pull_request"`
			User        struct {
				Type string `json:"type"`
			} `json:"user"`
			AuthorAssociation string `json:"author_association"`
		} `json:"issue"`
		Changes struct {
			Body *struct {
				From string `json:"from"`
			} `json:"body"`
		} `json:"changes"`
		Sender struct {
			Type string `json:"type"`
		} `json:"sender"`
	}
)

// dashboardEvent turns a verified push or issues delivery into the refresh
// it asks for; ignored says why there is none.
func (h *githubWebhook) dashboardEvent(event string, body []byte) (dashboardRequest, string, error) {
	var common githubCommon
	var identity string
	issue := 0
	switch event {
	case "push":
		var p githubPushPayload
		if err := json.Unmarshal(body, &p); err != nil {
			return dashboardRequest{}, "", fmt.Errorf("%w: push: %v", errBadPayload, err)
		}
		switch {
		case p.Ref != "refs/heads/"+p.Repository.DefaultBranch:
			return dashboardRequest{}, "not the default branch", nil
		case p.Deleted:
			return dashboardRequest{}, "branch deleted", nil
		case !touches(p.Commits, len(p.Commits) < maxGitHubPushCommits):
			return dashboardRequest{}, "no compose, policy or .env file changed", nil
		}
		common, identity = p.githubCommon, "push "+p.After
	case "issues":
		var p githubIssuesPayload
		if err := json.Unmarshal(body, &p); err != nil {
			return dashboardRequest{}, "", fmt.Errorf("%w: issues: %v", errBadPayload, err)
		}
		switch {
		case p.Action != "edited" || p.Changes.Body == nil:
			return dashboardRequest{}, "action " + p.Action + " not handled", nil
		case len(p.Issue.PullRequest) > 0 && string(p.Issue.PullRequest) != "null" || !strings.Contains(p.Issue.Body, jobs.DashboardMarker):
			return dashboardRequest{}, "not a dashboard", nil
		case p.Sender.Type == "Bot":
			// The server's own edits (and other bots') tick nothing.
			return dashboardRequest{}, "edited by a bot", nil
		case !h.mayBeOwnIssue(p.Issue.User.Type, p.Issue.AuthorAssociation):
			// Anyone can open an issue carrying the marker on a public
			// repository and edit it at will: each edit would cost a refresh.
			return dashboardRequest{}, "not opened by the server", nil
		}
		common, identity, issue = p.githubCommon, fmt.Sprintf("issues edited #%d updated %s", p.Issue.Number, p.Issue.UpdatedAt), p.Issue.Number
	}
	repo, ignored := h.repo(common)
	if ignored != "" {
		return dashboardRequest{}, ignored, nil
	}
	r := common.Repository
	if repo.Owner == "" || repo.Name == "" || r.DefaultBranch == "" {
		return dashboardRequest{}, "", fmt.Errorf("%w: no repository or default branch", errBadPayload)
	}
	return dashboardRequest{repo: forge.Repository{Repo: repo, DefaultBranch: r.DefaultBranch, Archived: r.Archived},
		identity: "dashboard " + repo.String() + " " + identity, issue: issue}, "", nil
}

// notTheDashboard says why an edit of issue number in repo asks for
// nothing: a refresh acts only on the boxes of the issue the server last
// wrote there (app/dashboard), so an edit of any other, which anyone can
// make on an issue of their own carrying the marker, queues no work. ""
// when it is the dashboard.
func notTheDashboard(ctx context.Context, queue Queue, repo forge.Repo, number int) (string, error) {
	recorded, _, found, err := queue.DashboardIssue(ctx, repo)
	switch {
	case err != nil:
		return "", err
	case !found || recorded != number:
		return "not the dashboard issue the server wrote", nil
	}
	return "", nil
}

// mayBeOwnIssue reports whether an issue's author can be the server: an
// App's issues are its bot's; a token's user writes to the repository, so
// is one of its owners, members or collaborators. The job checks the
// author's login; this keeps outsiders' issues from queueing anything.
func (h *githubWebhook) mayBeOwnIssue(userType, association string) bool {
	if h.appID != 0 {
		return userType == "Bot"
	}
	return association == "OWNER" || association == "MEMBER" || association == "COLLABORATOR"
}

// The GitLab events that refresh a dashboard (docs: "Webhook events").
const (
	pushHook  = "Push Hook"
	issueHook = "Issue Hook"
)

// zeroSHA is the after of a push that deleted its branch.
const zeroSHA = "0000000000000000000000000000000000000000"

type gitlabProject struct {
	PathWithNamespace string `json:"path_with_namespace"`
	DefaultBranch     string `json:"default_branch"`
}

type (
	gitlabPushEvent struct {
		ObjectKind        string         `json:"object_kind"`
		Ref               string         `json:"ref"`
		After             string         `json:"after"`
		Commits           []pushedCommit `json:"commits"`
		TotalCommitsCount int            `json:"total_commits_count"`
		Project           gitlabProject  `json:"project"`
	}
	gitlabIssueEvent struct {
		ObjectKind       string        `json:"object_kind"`
		Project          gitlabProject `json:"project"`
		ObjectAttributes struct {
			IID         int    `json:"iid"`
			Action      string `json:"action"`
			Description string `json:"description"`
			UpdatedAt   string `json:"updated_at"`
		} `json:"object_attributes"`
		Changes struct {
			Description *struct {
				Previous string `json:"previous"`
			} `json:"description"`
		} `json:"changes"`
	}
)

// dashboardEvent queues the refresh a push or issue event asks for. GitLab
// names no bot in an issue event, so the server's own edits are refreshed
// too; they find nothing ticked and write nothing.
func (h *gitlabWebhook) dashboardEvent(c echo.Context, event string) ack {
	r := c.Request()
	body, done, err := h.bodies.read(r)
	if err != nil {
		return refuseBody(c, err)
	}
	defer done()
	var project gitlabProject
	var identity, name string
	issue := 0
	switch event {
	case pushHook:
		name = "push"
		var p gitlabPushEvent
		if err := json.Unmarshal(body, &p); err != nil || p.ObjectKind != name {
			return ack{status: http.StatusBadRequest, event: name, outcome: "invalid", reason: "not a push event"}
		}
		ignored := ""
		switch {
		case p.Ref != "refs/heads/"+p.Project.DefaultBranch:
			ignored = "not the default branch"
		case p.After == zeroSHA:
			ignored = "branch deleted"
		case !touches(p.Commits, len(p.Commits) >= p.TotalCommitsCount):
			ignored = "no compose, policy or .env file changed"
		}
		if ignored != "" {
			return ack{status: http.StatusNoContent, event: name, outcome: "ignored", reason: ignored}
		}
		project, identity = p.Project, "push "+p.After
	case issueHook:
		name = "issue"
		var p gitlabIssueEvent
		if err := json.Unmarshal(body, &p); err != nil || p.ObjectKind != name {
			return ack{status: http.StatusBadRequest, event: name, outcome: "invalid", reason: "not an issue event"}
		}
		a := p.ObjectAttributes
		switch {
		case a.Action != "update" || p.Changes.Description == nil:
			return ack{status: http.StatusNoContent, event: name, outcome: "ignored", reason: "action " + a.Action + " not handled"}
		case !strings.Contains(a.Description, jobs.DashboardMarker):
			return ack{status: http.StatusNoContent, event: name, outcome: "ignored", reason: "not a dashboard"}
		}
		project, identity, issue = p.Project, fmt.Sprintf("issue update #%d updated %s", a.IID, a.UpdatedAt), a.IID
	}
	cut := strings.LastIndex(project.PathWithNamespace, "/")
	if cut <= 0 || project.DefaultBranch == "" {
		return ack{status: http.StatusBadRequest, event: name, outcome: "invalid", reason: "no project or default branch"}
	}
	repo := forge.Repository{Repo: forge.Repo{Forge: forge.GitLab, Owner: project.PathWithNamespace[:cut],
		Name: project.PathWithNamespace[cut+1:]}, DefaultBranch: project.DefaultBranch}
	identity = "dashboard " + repo.String() + " " + identity
	id, ok := gitlabDeliveryID(r, identity)
	if !ok {
		return ack{status: http.StatusBadRequest, event: name, outcome: "invalid", reason: "malformed Idempotency-Key"}
	}
	if issue != 0 {
		if a, done := checkDashboardIssue(r.Context(), h.queue, name, repo.Repo, issue); done {
			return a
		}
	}
	return enqueueDashboard(r.Context(), h.queue, jobs.Delivery{Forge: forge.GitLab, ID: id, Event: identity}, name, repo)
}

// checkDashboardIssue answers an edit of an issue that is not the
// dashboard (204) or a database failure (500, for the forge to deliver it
// again); done is false when the edit is the dashboard's.
func checkDashboardIssue(ctx context.Context, queue Queue, event string, repo forge.Repo, number int) (ack, bool) {
	ignored, err := notTheDashboard(ctx, queue, repo, number)
	switch {
	case err != nil:
		return ack{status: http.StatusInternalServerError, event: event, outcome: "error", req: forge.ReviewRequest{Repo: repo}, err: err}, true
	case ignored != "":
		return ack{status: http.StatusNoContent, event: event, outcome: "ignored", reason: ignored, req: forge.ReviewRequest{Repo: repo}}, true
	}
	return ack{}, false
}
