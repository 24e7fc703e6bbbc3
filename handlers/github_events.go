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
	githubCommon struct {
		Action       string              `json:"action"`
		Repository   githubRepository    `json:"repository"`
		Installation *githubInstallation `json:"installation"`
	}
	pullRequestPayload struct {
		githubCommon
		Number      int `json:"number"`
		PullRequest struct {
			githubPull
			Draft bool `json:"draft"`
		} `json:"pull_request"`
	}
	// check is a check_run or a check_suite: both carry these fields.
	check struct {
		Name    string `json:"name"` // check runs only
		HeadSHA string `json:"head_sha"`
		App     struct {
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

// reviewRequest turns a verified delivery into the review it asks for.
// ignored says why there is none.
func (h *githubWebhook) reviewRequest(ctx context.Context, event string, body []byte) (req forge.ReviewRequest, ignored string, err error) {
	switch event {
	case "pull_request":
		return h.pullRequest(body)
	case "check_run", "check_suite":
		return h.rerequested(ctx, event, body)
	}
	return forge.ReviewRequest{}, "event not handled", nil
}

func (h *githubWebhook) pullRequest(body []byte) (forge.ReviewRequest, string, error) {
	var p pullRequestPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return forge.ReviewRequest{}, "", fmt.Errorf("%w: pull_request: %v", errBadPayload, err)
	}
	switch {
	case !reviewedPullRequestActions[p.Action]:
		return forge.ReviewRequest{}, "action " + p.Action + " not reviewed", nil
	case p.PullRequest.Draft && !h.reviewDrafts:
		return forge.ReviewRequest{}, "draft", nil
	}
	repo, ignored := h.repo(p.githubCommon)
	if ignored != "" {
		return forge.ReviewRequest{}, ignored, nil
	}
	return complete(forge.ReviewRequest{Repo: repo, Number: p.Number, HeadSHA: p.PullRequest.Head.SHA})
}

// rerequested handles the re-run buttons: check_run rerequested for one
// run, check_suite rerequested for "Re-run all checks".
func (h *githubWebhook) rerequested(ctx context.Context, event string, body []byte) (forge.ReviewRequest, string, error) {
	var p checkPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return forge.ReviewRequest{}, "", fmt.Errorf("%w: %s: %v", errBadPayload, event, err)
	}
	c := p.CheckRun
	if event == "check_suite" {
		c = p.CheckSuite
	}
	switch {
	case p.Action != "rerequested":
		return forge.ReviewRequest{}, "action " + p.Action + " not handled", nil
	case c == nil:
		return forge.ReviewRequest{}, "", fmt.Errorf("%w: %s without %s", errBadPayload, event, event)
	case !h.ours(event, c):
		return forge.ReviewRequest{}, "another app's check", nil
	}
	repo, ignored := h.repo(p.githubCommon)
	if ignored != "" {
		return forge.ReviewRequest{}, ignored, nil
	}
	req := forge.ReviewRequest{Repo: repo, HeadSHA: c.HeadSHA}
	if len(c.PullRequests) > 0 {
		req.Number = c.PullRequests[0].Number
		return complete(req)
	}
	// A fork's commits come without pull requests: find the one an
	// earlier delivery named for this head.
	number, found, err := h.queue.PullRequestForHead(ctx, repo, c.HeadSHA)
	if err != nil {
		return forge.ReviewRequest{}, "", fmt.Errorf("find the pull request of %s: %w", c.HeadSHA, err)
	}
	if !found {
		return forge.ReviewRequest{}, "no pull request known for the head", nil
	}
	req.Number = number
	return complete(req)
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
func complete(req forge.ReviewRequest) (forge.ReviewRequest, string, error) {
	if req.Repo.Owner == "" || req.Repo.Name == "" || req.Number <= 0 || req.HeadSHA == "" {
		return forge.ReviewRequest{}, "", fmt.Errorf("%w: no repository, pull request number or head SHA", errBadPayload)
	}
	return req, "", nil
}
