package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/composeguard/composeguard/app/forge"
)

// The parts of GitHub's webhook payloads a review needs, with GitHub's
// field names (docs: "Webhook events and payloads").
type (
	githubRepository struct {
		Name  string `json:"name"`
		Owner struct {
			Login string `json:"login"`
		} `json:"owner"`
		// For the dashboards' refresh.
		DefaultBranch string `json:"default_branch"`
		Archived      bool   `json:"archived"`
	}
	githubInstallation struct {
		ID int64 `json:"id"`
	}
	githubPull struct {
		Number int `json:"number"`
		Head   struct {
			SHA string `json:"sha"`
		} `json:"head"`
	}
	githubSide struct {
		SHA  string `json:"sha"`
		Ref  string `json:"ref"`
		Repo *struct {
			ID            int64  `json:"id"`
			DefaultBranch string `json:"default_branch"`
		} `json:"repo"`
	}
	githubCommon struct {
		Action       string              `json:"action"`
		Repository   githubRepository    `json:"repository"`
		Installation *githubInstallation `json:"installation"`
	}
	pullRequestPayload struct {
		githubCommon
		Number      int `json:"number"`
		PullRequest struct {
			Number       int        `json:"number"`
			Title        string     `json:"title"`
			State        string     `json:"state"`
			Head         githubSide `json:"head"`
			Base         githubSide `json:"base"`
			Draft        bool       `json:"draft"`
			ChangedFiles int        `json:"changed_files"`
			UpdatedAt    string     `json:"updated_at"`
		} `json:"pull_request"`
	}
	// check is a check_run or a check_suite: both carry these fields
	// but those marked.
	check struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`         // check runs
		CompletedAt string `json:"completed_at"` // check runs
		UpdatedAt   string `json:"updated_at"`   // check suites
		HeadSHA     string `json:"head_sha"`
		App         struct {
			ID int64 `json:"id"`
		} `json:"app"`
		PullRequests []githubPull `json:"pull_requests"`
	}
	checkPayload struct {
		githubCommon
		CheckRun   *check `json:"check_run"`
		CheckSuite *check `json:"check_suite"`
	}
)

// errBadPayload marks a delivery GitHub would not send: answered 400.
var errBadPayload = errors.New("bad payload")

// reviewedPullRequestActions are the pull_request actions that mean a new
// head to review (docs: "pull_request" event).
var reviewedPullRequestActions = map[string]bool{
	"opened": true, "reopened": true, "synchronize": true, "ready_for_review": true,
}

// reviewEvent is the review a verified delivery asks for, and the
// identity of its event: made of what the signed body says, so the same
// when the body is replayed under another delivery id, and different for
// every new event (each of those changes a time the body carries).
type reviewEvent struct {
	req      forge.ReviewRequest
	identity string
}

// reviewEvent turns a verified delivery into the review it asks for.
// ignored says why there is none.
func (h *githubWebhook) reviewEvent(ctx context.Context, event string, body []byte) (ev reviewEvent, ignored string, err error) {
	switch event {
	case "pull_request":
		return h.pullRequest(body)
	case "check_run", "check_suite":
		return h.rerequested(ctx, event, body)
	}
	return reviewEvent{}, "event not handled", nil
}

func (h *githubWebhook) pullRequest(body []byte) (reviewEvent, string, error) {
	var p pullRequestPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return reviewEvent{}, "", fmt.Errorf("%w: pull_request: %v", errBadPayload, err)
	}
	switch {
	case !reviewedPullRequestActions[p.Action]:
		return reviewEvent{}, "action " + p.Action + " not reviewed", nil
	case p.PullRequest.Draft && !h.reviewDrafts:
		return reviewEvent{}, "draft", nil
	case p.PullRequest.UpdatedAt == "":
		// Every action reviewed updates the pull request: its time tells
		// a second reopening of a head from a replay of the first.
		return reviewEvent{}, "", fmt.Errorf("%w: pull_request without updated_at", errBadPayload)
	}
	repo, ignored := h.repo(p.githubCommon)
	if ignored != "" {
		return reviewEvent{}, ignored, nil
	}
	pr := p.PullRequest
	req := forge.ReviewRequest{Repo: repo, Number: p.Number, HeadSHA: pr.Head.SHA, Opened: p.Action == "opened",
		// The pull request as GET /pulls/{number} would answer it at this head.
		Pull: &forge.PullRequest{Repo: repo, Number: p.Number, Title: pr.Title, HeadSHA: pr.Head.SHA, BaseSHA: pr.Base.SHA,
			BaseRef: pr.Base.Ref, Draft: pr.Draft, Open: pr.State == "open", ChangedFiles: pr.ChangedFiles,
			// A deleted fork leaves no head repository: still a fork.
			FromFork: pr.Head.Repo == nil || pr.Base.Repo == nil || pr.Head.Repo.ID != pr.Base.Repo.ID}}
	if pr.Base.Repo != nil {
		req.Pull.DefaultBranch = pr.Base.Repo.DefaultBranch
	}
	if pr.Base.SHA == "" {
		req.Pull = nil // not what GitHub sends: the review reads the pull request
	}
	return complete(req, fmt.Sprintf("pull_request %s %s#%d %s updated %s",
		p.Action, repo, p.Number, req.HeadSHA, p.PullRequest.UpdatedAt))
}

// rerequested handles the re-run buttons: check_run rerequested for one
// run, check_suite rerequested for "Re-run all checks".
func (h *githubWebhook) rerequested(ctx context.Context, event string, body []byte) (reviewEvent, string, error) {
	var p checkPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return reviewEvent{}, "", fmt.Errorf("%w: %s: %v", errBadPayload, event, err)
	}
	c := p.CheckRun
	if event == "check_suite" {
		c = p.CheckSuite
	}
	switch {
	case p.Action != "rerequested":
		return reviewEvent{}, "action " + p.Action + " not handled", nil
	case c == nil || c.ID == 0:
		return reviewEvent{}, "", fmt.Errorf("%w: %s without %s id", errBadPayload, event, event)
	case !h.ours(event, c):
		return reviewEvent{}, "another app's check", nil
	}
	repo, ignored := h.repo(p.githubCommon)
	if ignored != "" {
		return reviewEvent{}, ignored, nil
	}
	// Each review completes a new check run, so the next click names
	// another run, and changes the suite's update time.
	identity := fmt.Sprintf("check_run rerequested %s run %d completed %s", repo, c.ID, c.CompletedAt)
	if event == "check_suite" {
		identity = fmt.Sprintf("check_suite rerequested %s suite %d updated %s", repo, c.ID, c.UpdatedAt)
	}
	req := forge.ReviewRequest{Repo: repo, HeadSHA: c.HeadSHA}
	if len(c.PullRequests) > 0 {
		req.Number = c.PullRequests[0].Number
		return complete(req, identity)
	}
	// A fork's commits come without pull requests: find the one an
	// earlier delivery named for this head.
	number, found, err := h.queue.PullRequestForHead(ctx, repo, c.HeadSHA)
	if err != nil {
		return reviewEvent{}, "", fmt.Errorf("find the pull request of %s: %w", c.HeadSHA, err)
	}
	if !found {
		return reviewEvent{}, "no pull request known for the head", nil
	}
	req.Number = number
	return complete(req, identity)
}

// ours tells whether a check is composeguard's: its app's with an App, its
// name with a token (a token cannot own check suites).
func (h *githubWebhook) ours(event string, c *check) bool {
	if h.appID != 0 {
		return c.App.ID == h.appID
	}
	return event == "check_run" && c.Name == forge.CheckName
}

// repo is the repository of a payload, with the installation an App needs
// to act on it as its credentials key (the id in decimal, as app/forge/github
// reads it).
func (h *githubWebhook) repo(p githubCommon) (forge.Repo, string) {
	repo := forge.Repo{Forge: forge.GitHub, Owner: p.Repository.Owner.Login, Name: p.Repository.Name}
	if h.appID == 0 {
		return repo, ""
	}
	if p.Installation == nil || p.Installation.ID == 0 {
		return forge.Repo{}, "no installation"
	}
	repo.CredentialsKey = strconv.FormatInt(p.Installation.ID, 10)
	return repo, ""
}

// complete refuses a request that lacks what a review needs.
func complete(req forge.ReviewRequest, identity string) (reviewEvent, string, error) {
	if req.Repo.Owner == "" || req.Repo.Name == "" || req.Number <= 0 || req.HeadSHA == "" {
		return reviewEvent{}, "", fmt.Errorf("%w: no repository, pull request number or head SHA", errBadPayload)
	}
	return reviewEvent{req: req, identity: identity}, "", nil
}
