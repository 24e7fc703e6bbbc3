// Package jobs keeps the durable work of the server: the database, the
// River queue on it, the deliveries already acknowledged, and the worker
// that reviews a pull request head.
package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
)

// Reviewer runs the review of one pull request head. GiveUp is called
// once, when the review will not be tried again, so the check run is
// completed as failed instead of staying in progress.
type Reviewer interface {
	Run(ctx context.Context, req forge.ReviewRequest) error
	GiveUp(ctx context.Context, req forge.ReviewRequest, cause error) error
}

// maxReviewAttempts bounds the retries: with River's attempt^4 backoff the
// eighth attempt comes about 78 minutes after the first, longer than any
// GitHub outage or rate-limit window worth waiting for.
const maxReviewAttempts = 8

// ReviewArgs is the job that reviews one pull request head.
type ReviewArgs struct {
	forge.ReviewRequest
}

// request is the request a job's attempt reviews.
func (a ReviewArgs) request(job int64) forge.ReviewRequest {
	req := a.ReviewRequest
	req.Job = job
	return req
}

// Kind names the job in the database.
func (ReviewArgs) Kind() string { return "review" }

// InsertOpts makes a review unique per repository, pull request and head
// while it waits or runs, so a burst of deliveries for one head reviews it
// once. A finished review does not block a new one: the re-run button must
// run it again.
func (ReviewArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: maxReviewAttempts,
		UniqueOpts: river.UniqueOpts{
			// The whole request is the key: repository (with its forge
			// and credentials key), number and head SHA.
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable,
				rivertype.JobStatePending,
				rivertype.JobStateRunning,
				rivertype.JobStateRetryable,
				rivertype.JobStateScheduled,
			},
		},
	}
}

// ByForge reviews each request with the reviewer of its repository's
// forge, so one server can review on GitHub and GitLab.
type ByForge map[forge.Kind]Reviewer

func (b ByForge) of(req forge.ReviewRequest) (Reviewer, error) {
	if r, ok := b[req.Repo.Forge]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("review %s#%d: the server does not review on %q", req.Repo, req.Number, req.Repo.Forge)
}

func (b ByForge) Run(ctx context.Context, req forge.ReviewRequest) error {
	r, err := b.of(req)
	if err != nil {
		return err
	}
	return r.Run(ctx, req)
}

func (b ByForge) GiveUp(ctx context.Context, req forge.ReviewRequest, cause error) error {
	r, err := b.of(req)
	if err != nil {
		return err
	}
	return r.GiveUp(ctx, req, cause)
}
