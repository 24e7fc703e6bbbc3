package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// GitLab has no check runs: composeguard's verdict is a commit status named
// forge.CheckName on the head (https://docs.gitlab.com/api/commits/#set-the-pipeline-status-of-a-commit),
// which GitLab adds as a job of the head's pipeline. A status has no
// output and no annotations; the summary note carries every finding.
//
// GitLab keeps a state machine per status: posting the state it already
// has ("running" twice) is refused with 400 "Cannot transition status via
// :run from :running", which means it is already so. Parallel updates of
// one pipeline answer 409.

const (
	// maxStatusText bounds a status's description and target URL, in
	// characters.
	maxStatusText = 255
	// statusAttempts is how often one status is posted on 409 and 5xx
	// before the job is left to retry.
	statusAttempts = 5
	// statusRetryWait is the first wait between those, doubled each time;
	// a Retry-After longer than maxStatusRetryWait is left to the job.
	statusRetryWait    = 100 * time.Millisecond
	maxStatusRetryWait = 5 * time.Second
)

// cannotTransition starts GitLab's refusal of a status it already has.
const cannotTransition = "Cannot transition status"

// CreateCheckRun posts run as the head's status and returns its id.
func (c *Client) CreateCheckRun(ctx context.Context, repo forge.Repo, run forge.CheckRun) (int64, error) {
	return c.postStatus(ctx, repo, run)
}

// UpdateCheckRun posts run as the head's status: GitLab updates the running
// status of the same name, user and commit. id is not needed.
func (c *Client) UpdateCheckRun(ctx context.Context, repo forge.Repo, _ int64, run forge.CheckRun) error {
	_, err := c.postStatus(ctx, repo, run)
	return err
}

// CheckRuns lists the newest status named name at headSHA that the token's
// user posted, as a run: in progress while pending or running. A status
// keeps no external id.
func (c *Client) CheckRuns(ctx context.Context, repo forge.Repo, headSHA, name string) ([]forge.CheckRun, error) {
	login, err := c.Login(ctx)
	if err != nil {
		return nil, err
	}
	opts := &gl.GetCommitStatusesOptions{Name: &name, ListOptions: gl.ListOptions{PerPage: perPage}}
	all, err := gl.ScanAndCollect(func(p gl.PaginationOptionFunc) ([]*gl.CommitStatus, *gl.Response, error) {
		return c.api.Commits.GetCommitStatuses(project(repo), headSHA, opts, p, gl.WithContext(ctx))
	})
	if err != nil {
		return nil, fail(err, "list the %q statuses of %s at %s", name, repo, headSHA)
	}
	var newest *gl.CommitStatus
	for _, s := range all {
		if s.Name == name && s.Author.Username == login && (newest == nil || s.ID > newest.ID) {
			newest = s
		}
	}
	if newest == nil {
		return nil, nil
	}
	return []forge.CheckRun{statusRun(newest, headSHA)}, nil
}

func statusRun(s *gl.CommitStatus, headSHA string) forge.CheckRun {
	run := forge.CheckRun{ID: s.ID, Name: s.Name, HeadSHA: headSHA, Status: forge.StatusCompleted, Title: s.Description}
	switch gl.BuildStateValue(s.Status) {
	case gl.Pending, gl.Running, gl.Created:
		run.Status = forge.StatusInProgress
	case gl.Success:
		run.Conclusion = forge.ConclusionSuccess
	case gl.Failed:
		run.Conclusion = forge.ConclusionFailure
	default:
		run.Conclusion = forge.ConclusionCancelled
	}
	return run
}

// statusState is the state standing for run: running until it completes,
// then its verdict. Neutral passes; a run ended without a verdict (its head
// moved on) is canceled.
func statusState(run forge.CheckRun) gl.BuildStateValue {
	if run.Status != forge.StatusCompleted {
		return gl.Running
	}
	switch run.Conclusion {
	case forge.ConclusionSuccess, forge.ConclusionNeutral:
		return gl.Success
	case forge.ConclusionCancelled:
		return gl.Canceled
	}
	return gl.Failed
}

// postStatus posts run's state on run.HeadSHA, retrying 409 and 5xx at once
// a few times, and takes GitLab's refusal of the state the status already
// has for success.
func (c *Client) postStatus(ctx context.Context, repo forge.Repo, run forge.CheckRun) (int64, error) {
	if run.HeadSHA == "" || run.Name == "" {
		return 0, fmt.Errorf("gitlab: a commit status on %s needs the run's head commit and name", repo)
	}
	opts := &gl.SetCommitStatusOptions{State: statusState(run), Name: &run.Name,
		Description: gl.Ptr(forgekit.Shorten(run.Title, maxStatusText))}
	switch {
	case run.DetailsURL != "":
		opts.TargetURL = gl.Ptr(run.DetailsURL)
	case run.Number > 0:
		opts.TargetURL = gl.Ptr(c.mergeRequestURL(repo, run.Number))
	}
	wait := statusRetryWait
	for attempt := 1; ; attempt++ {
		s, _, err := c.api.Commits.SetCommitStatus(project(repo), run.HeadSHA, opts, gl.WithContext(ctx))
		var resp *gl.ErrorResponse
		switch {
		case err == nil:
			return s.ID, nil
		case errors.As(err, &resp) && resp.StatusCode == http.StatusBadRequest && strings.Contains(resp.Message, cannotTransition):
			return 0, nil
		}
		err = fail(err, "post commit status %q %s on %s at %s", run.Name, opts.State, repo, run.HeadSHA)
		var retryable *forge.RetryableError
		if attempt == statusAttempts || !errors.As(err, &retryable) || retryable.After > maxStatusRetryWait {
			return 0, err
		}
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(max(wait, retryable.After)):
		}
		wait *= 2
	}
}
