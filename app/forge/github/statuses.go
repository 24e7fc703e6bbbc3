package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// Only GitHub Apps may write check runs
// (https://docs.github.com/en/rest/checks/runs#create-a-check-run): a
// personal access token gets 403 "You must authenticate via a GitHub App.",
// a fine-grained one "Resource not accessible by personal access token".
// A token client refused so falls back, for that repository and the rest of
// its life, to commit statuses: one named like the run can be a required
// status check just the same. A status has no output and no annotations, so
// those are dropped; the summary comment carries every finding.

// maxStatusDescription is the longest description a commit status takes, in
// characters (422 "description is too long (maximum is 140 characters)";
// https://docs.github.com/en/rest/commits/statuses#create-a-commit-status).
const maxStatusDescription = 140

// Commit status states.
const (
	statePending = "pending"
	stateSuccess = "success"
	stateFailure = "failure"
	stateError   = "error"
)

// usesStatuses reports whether GitHub refused check runs on repo before.
func (c *Client) usesStatuses(repo forge.Repo) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.statusRepos[statusKey(repo)]
}

// checkRunsRefused reports whether err is GitHub refusing check runs to this
// token on repo, a 403 that is no rate limit, and if so remembers to post
// commit statuses there from now on. App clients never fall back: their 403
// is a permission the installation lacks, which statuses would hide.
func (c *Client) checkRunsRefused(repo forge.Repo, err error) bool {
	var resp *gh.ErrorResponse
	if c.token == nil || !errors.As(err, &resp) || resp.Response == nil ||
		resp.Response.StatusCode != http.StatusForbidden || rateLimited(resp.Response.Header, resp.Message) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statusRepos[statusKey(repo)] = true
	return true
}

// statusKey names a repository as GitHub does, whatever the case.
func statusKey(repo forge.Repo) string { return strings.ToLower(repo.String()) }

// postStatus posts run as a commit status on run.HeadSHA, its context the
// run's name, and returns the status's id. Statuses cannot be edited: a new
// one with the same context replaces the old as the one GitHub shows, so an
// update posts again whatever the id.
func (c *Client) postStatus(ctx context.Context, api *gh.Client, repo forge.Repo, run forge.CheckRun) (int64, error) {
	if run.HeadSHA == "" || run.Name == "" {
		return 0, fmt.Errorf("github: a commit status on %s needs the run's head commit and name", repo)
	}
	s, _, err := api.Repositories.CreateStatus(ctx, repo.Owner, repo.Name, run.HeadSHA, gh.RepoStatus{
		State:       gh.Ptr(statusState(run)),
		Context:     gh.Ptr(run.Name),
		Description: optional(forgekit.Shorten(run.Title, maxStatusDescription)),
		TargetURL:   optional(run.DetailsURL),
	})
	if err != nil {
		return 0, fail(err, "post commit status %q on %s at %s", run.Name, repo, run.HeadSHA)
	}
	return s.GetID(), nil
}

// statusState is the state of a status standing for run: pending until it
// completes, then its verdict. Neutral passes as it does as a check run; a
// run ended without a verdict (cancelled when superseded) is an error.
func statusState(run forge.CheckRun) string {
	if run.Status != forge.StatusCompleted && run.Conclusion == "" {
		return statePending
	}
	switch run.Conclusion {
	case forge.ConclusionSuccess, forge.ConclusionNeutral:
		return stateSuccess
	case forge.ConclusionFailure:
		return stateFailure
	}
	return stateError
}

// latestStatus reads the status named name at headSHA as a run: GitHub lists
// a commit's statuses newest first, and the newest of a context is the one
// it shows, so the pages stop at the first. A status carries no external
// id, output or annotations.
func (c *Client) latestStatus(ctx context.Context, api *gh.Client, repo forge.Repo, headSHA, name string) ([]forge.CheckRun, error) {
	latest, err := listAll(1, func(page gh.ListOptions) ([]*gh.RepoStatus, *gh.Response, error) {
		all, resp, err := api.Repositories.ListStatuses(ctx, repo.Owner, repo.Name, headSHA, &page)
		// Contexts are case-insensitive.
		return slices.DeleteFunc(all, func(s *gh.RepoStatus) bool { return !strings.EqualFold(s.GetContext(), name) }), resp, err
	})
	if err != nil {
		return nil, fail(err, "list the %q commit statuses of %s at %s", name, repo, headSHA)
	}
	out := make([]forge.CheckRun, 0, len(latest))
	for _, s := range latest {
		out = append(out, statusRun(s, headSHA))
	}
	return out, nil
}

func statusRun(s *gh.RepoStatus, headSHA string) forge.CheckRun {
	run := forge.CheckRun{ID: s.GetID(), Name: s.GetContext(), HeadSHA: headSHA, Status: forge.StatusCompleted, Title: s.GetDescription()}
	switch s.GetState() {
	case statePending:
		run.Status = forge.StatusInProgress
	case stateSuccess:
		run.Conclusion = forge.ConclusionSuccess
	case stateFailure:
		run.Conclusion = forge.ConclusionFailure
	default: // error: composeguard posts it for runs ended without a verdict
		run.Conclusion = forge.ConclusionCancelled
	}
	return run
}
