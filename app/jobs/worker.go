package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/composeguard/composeguard/app/forge"
)

// giveUpTimeout bounds the call that completes a check run as failed, a
// request or two; it runs even when the job's own context has expired.
const giveUpTimeout = 10 * time.Second

// reviewWorker runs review jobs. A *forge.RetryableError is retried after
// its After (River's backoff when it gives none) until the last attempt;
// any other error is final at once. Either way a final failure calls
// GiveUp exactly once.
type reviewWorker struct {
	river.WorkerDefaults[ReviewArgs]
	reviewer Reviewer
	metrics  *metrics
	logger   *slog.Logger

	// retryAt carries when to retry from Work to NextRetry, which River
	// calls for the same job right after Work returns: a RetryableError's
	// After, or zero for River's backoff.
	retryAt sync.Map // job ID → time.Time
}

func (w *reviewWorker) NextRetry(job *river.Job[ReviewArgs]) time.Time {
	if at, ok := w.retryAt.LoadAndDelete(job.ID); ok {
		return at.(time.Time)
	}
	// No attempt failed here: River's rescuer is taking back a job whose
	// process died mid-review. That says nothing about the forge, so the
	// review runs again at once rather than after a backoff.
	return time.Now()
}

// errInterrupted is why a review interrupted maxInterruptions times by its
// process dying is given up.
var errInterrupted = errors.New("the review's process died every time it ran")

func (w *reviewWorker) Work(ctx context.Context, job *river.Job[ReviewArgs]) error {
	start := time.Now()
	outcome, err := w.work(ctx, job)
	took := time.Since(start)
	w.metrics.review(outcome, took)
	level := slog.LevelInfo
	if outcome != "completed" && outcome != "interrupted" {
		level = slog.LevelWarn
	}
	attrs := []any{"outcome", outcome, "seconds", took.Seconds()}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	// The context names the job, its delivery and pull request (observe.go).
	w.logger.Log(ctx, level, "review", attrs...)
	return err
}

// work runs one attempt and says how it ended: completed, interrupted,
// retried or gave_up.
func (w *reviewWorker) work(ctx context.Context, job *river.Job[ReviewArgs]) (string, error) {
	var meta struct{ Interrupted int }
	if json.Unmarshal(job.Metadata, &meta) == nil && meta.Interrupted >= maxInterruptions {
		return "gave_up", river.JobCancel(w.giveUp(ctx, job, errInterrupted))
	}
	err := w.run(ctx, job)
	if err == nil {
		return "completed", nil
	}
	// The client is stopping or the job was cancelled: River puts the job
	// back without counting the attempt, so this is not a failure.
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "interrupted", err
	}

	var retryable *forge.RetryableError
	canRetry := errors.As(err, &retryable) || errors.Is(err, context.DeadlineExceeded)
	if canRetry && job.Attempt < job.MaxAttempts {
		var at time.Time
		if retryable != nil && retryable.After > 0 {
			at = time.Now().Add(retryable.After)
		}
		w.retryAt.Store(job.ID, at)
		return "retried", err
	}

	err = w.giveUp(ctx, job, err)
	if canRetry {
		return "gave_up", err // attempts exhausted: River discards the job
	}
	return "gave_up", river.JobCancel(err)
}

// giveUp completes the review's check run as failed for cause, and
// returns cause with GiveUp's own error.
func (w *reviewWorker) giveUp(ctx context.Context, job *river.Job[ReviewArgs], cause error) error {
	giveUpCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), giveUpTimeout)
	defer cancel()
	if err := w.reviewer.GiveUp(giveUpCtx, job.Args.request(job.ID), cause); err != nil {
		w.logger.ErrorContext(ctx, "could not mark the review as failed", "error", err)
		cause = errors.Join(cause, err)
	}
	return cause
}

// run calls the reviewer, turning a panic into a final error so that
// GiveUp still runs.
func (w *reviewWorker) run(ctx context.Context, job *river.Job[ReviewArgs]) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("review panicked: %v", p)
		}
	}()
	return w.reviewer.Run(ctx, job.Args.request(job.ID))
}
