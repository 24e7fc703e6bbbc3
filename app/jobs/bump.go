package jobs

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/composeguard/composeguard/app/forge"
)

// Bumper runs the scheduled image update pull requests; *pulls.Runner is
// one. Bump runs for one repository; every call with the same run time
// belongs to one run and shares its registry cache.
type Bumper interface {
	// Repositories lists the repositories a run visits; with an error, it
	// may still return those it could list, which are visited.
	Repositories(ctx context.Context) ([]forge.Repository, error)
	Bump(ctx context.Context, repo forge.Repository, run time.Time) error
}

// BumpByForge runs the updates of each forge's repositories with that
// forge's Bumper, so one server proposes updates on GitHub and GitLab.
type BumpByForge map[forge.Kind]Bumper

// Repositories lists every forge's repositories. A forge that could not
// list its own does not keep the others' from the run: its error comes
// back with them.
func (b BumpByForge) Repositories(ctx context.Context) ([]forge.Repository, error) {
	var all []forge.Repository
	var errs []error
	for _, kind := range slices.Sorted(maps.Keys(b)) {
		repos, err := b[kind].Repositories(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", kind, err))
		}
		all = append(all, repos...)
	}
	return all, errors.Join(errs...)
}

func (b BumpByForge) Bump(ctx context.Context, repo forge.Repository, run time.Time) error {
	bumper, ok := b[repo.Forge]
	if !ok {
		return fmt.Errorf("bump %s: the server does not propose updates on %q", repo, repo.Forge)
	}
	return bumper.Bump(ctx, repo, run)
}

// BumpOptions schedule the image update pull requests. They take effect in
// a queue that runs jobs, one with a Reviewer.
type BumpOptions struct {
	// Bumper nil means no scheduled updates.
	Bumper Bumper
	// Schedule is when runs start: a cron.Schedule read from
	// COMPOSEGUARD_BUMP_SCHEDULE.
	Schedule river.PeriodicSchedule
	// Spread is how long from its start a run spreads its repositories
	// over (COMPOSEGUARD_BUMP_SPREAD); 0 runs them all at once.
	Spread time.Duration
	// Reserve is the share (0 to 1) of a credential's rate limit left to
	// reviews (COMPOSEGUARD_BUMP_RESERVE): a repository whose quota is
	// below it waits for the reset. Quotas come from Options.Quotas.
	Reserve float64
}

// maxBumpAttempts bounds the retries of a run's listing and of one
// repository: the next scheduled run tries again anyway.
const maxBumpAttempts = 3

// BumpRunArgs starts one scheduled run: the job lists the repositories and
// queues one BumpRepoArgs for each, so repositories are worked on by every
// replica, each within the job timeout, and retried alone.
type BumpRunArgs struct {
	Run time.Time `json:"run"`
}

func (BumpRunArgs) Kind() string { return "bump_run" }

// InsertOpts make a run unique by its time, in every state: a second
// leader, or a restart within the same minute, does not start it again.
func (BumpRunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxBumpAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// BumpRepoArgs runs the flow in one repository for one run.
type BumpRepoArgs struct {
	Repo forge.Repository `json:"repo"`
	Run  time.Time        `json:"run"`
}

func (BumpRepoArgs) Kind() string { return "bump_repo" }

// bumpPriority puts a repository's updates behind every review waiting
// (River runs priority 1 first): a run of a thousand repositories never
// holds a pull request's check back.
const bumpPriority = 3

// InsertOpts make a repository's job unique per run.
func (BumpRepoArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxBumpAttempts, Priority: bumpPriority, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// spreadOffset is repo's place in a window: the same at every run, and
// scattered over it, so a run's repositories (and each installation's)
// are worked on evenly across the window rather than all at its start.
func spreadOffset(repo forge.Repository, window time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(string(repo.Forge) + "\x00" + repo.String()))
	return time.Duration(h.Sum64() % uint64(window))
}

// register adds the bump workers and the periodic job that starts runs.
func (b BumpOptions) register(workers *river.Workers, cfg *river.Config, q *Queue, quotas QuotasByForge, logger *slog.Logger, m *metrics) error {
	if b.Bumper == nil {
		return nil
	}
	if b.Schedule == nil || b.Schedule.Next(time.Now()).IsZero() {
		return errors.New("bump: the schedule never fires")
	}
	river.AddWorker(workers, &bumpRunWorker{bumper: b.Bumper, queue: q, spread: b.Spread})
	river.AddWorker(workers, &repoWorker[BumpRepoArgs]{what: "bump", logger: logger, quotas: quotas, reserve: b.Reserve, observe: m.bump,
		run:  func(ctx context.Context, a BumpRepoArgs) error { return b.Bumper.Bump(ctx, a.Repo, a.Run) },
		repo: func(a BumpRepoArgs) forge.Repository { return a.Repo }})
	// River enqueues periodic jobs on the elected leader only, so one
	// replica starts each run. Its scheduler keeps no state: a leader
	// elected after a run's time skips that run, and the next one catches
	// up, as Renovate's next run would.
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(b.Schedule,
		func() (river.JobArgs, *river.InsertOpts) { return BumpRunArgs{Run: runTime(time.Now())}, nil },
		&river.PeriodicJobOpts{ID: "bump"}))
	return nil
}

// runTime is the schedule's activation the enqueuer fired for: cron times
// fall on whole minutes, and River fires within moments of them.
func runTime(now time.Time) time.Time { return now.UTC().Round(time.Minute) }

type bumpRunWorker struct {
	river.WorkerDefaults[BumpRunArgs]
	bumper Bumper
	queue  *Queue // its client inserts the repositories' jobs
	spread time.Duration
}

// Work queues the repositories listed, each at its place in the run's
// window, and their dashboards' refresh, also when the listing failed in
// part; the run is then retried, and a repository queued by an earlier
// attempt is not queued again (its jobs are unique per run).
func (w *bumpRunWorker) Work(ctx context.Context, job *river.Job[BumpRunArgs]) error {
	repos, listErr := w.bumper.Repositories(ctx)
	params := make([]river.InsertManyParams, 0, len(repos))
	for _, repo := range repos {
		p := river.InsertManyParams{Args: BumpRepoArgs{Repo: repo, Run: job.Args.Run}}
		if w.spread > 0 {
			p.InsertOpts = &river.InsertOpts{ScheduledAt: job.Args.Run.Add(spreadOffset(repo, w.spread))}
		}
		params = append(params, p)
		// The dashboards are refreshed on the same schedule: updates
		// waiting and exceptions running out change with time alone.
		// Behind reviews and the refreshes people ask for, as the updates are.
		if w.queue.dashboards {
			opts := &river.InsertOpts{Priority: bumpPriority}
			if p.InsertOpts != nil {
				opts.ScheduledAt = p.InsertOpts.ScheduledAt
			}
			params = append(params, river.InsertManyParams{Args: DashboardArgs{Repo: repo,
				Cause: "bump run " + job.Args.Run.Format(time.RFC3339)}, InsertOpts: opts})
		}
	}
	if len(params) > 0 {
		if _, err := w.queue.client.InsertMany(ctx, params); err != nil {
			return errors.Join(listErr, fmt.Errorf("queue the run's repositories: %w", err))
		}
	}
	return listErr
}

// repoWorker runs one repository's job of a flow, once the forge's rate
// limit has room. A *forge.RetryableError is retried after its After; any
// other error is final at once, and logged.
type repoWorker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	what    string // the flow, in the log
	run     func(ctx context.Context, args A) error
	repo    func(args A) forge.Repository
	logger  *slog.Logger
	quotas  QuotasByForge
	reserve float64
	// observe records each attempt's outcome and time; nil records none.
	observe func(outcome string, took time.Duration)

	retryAt sync.Map // job ID → time.Time, from Work to NextRetry
}

func (w *repoWorker[A]) NextRetry(job *river.Job[A]) time.Time {
	if at, ok := w.retryAt.LoadAndDelete(job.ID); ok {
		return at.(time.Time)
	}
	return time.Time{}
}

func (w *repoWorker[A]) Work(ctx context.Context, job *river.Job[A]) error {
	start := time.Now()
	outcome, err := w.work(ctx, job)
	took := time.Since(start)
	if w.observe != nil {
		w.observe(outcome, took)
	}
	level := slog.LevelInfo
	attrs := []any{"outcome", outcome, "seconds", took.Seconds()}
	if err != nil {
		attrs = append(attrs, "error", err)
		if outcome == "failed" {
			level = slog.LevelError
		}
	}
	// The context names the job and the repository (observe.go).
	w.logger.Log(ctx, level, w.what+": repository", attrs...)
	return err
}

// work runs one attempt and says how it ended: completed, snoozed (the
// forge's rate limit is low), interrupted, retried or failed.
func (w *repoWorker[A]) work(ctx context.Context, job *river.Job[A]) (string, error) {
	if quota, ok := w.quotas.Quota(w.repo(job.Args).Repo); ok && quota.Below(w.reserve, time.Now()) {
		// Snoozed, not failed: the wait costs no attempt. The reset is in
		// whole seconds, and the forge's clock may be behind.
		wait := time.Until(quota.Reset) + time.Second
		w.logger.InfoContext(ctx, w.what+": waiting for the forge's rate limit to reset",
			"remaining", quota.Remaining, "limit", quota.Limit, "reset", quota.Reset)
		return "snoozed", river.JobSnooze(wait)
	}
	err := w.run(ctx, job.Args)
	switch {
	case err == nil:
		return "completed", nil
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "interrupted", err
	}
	var retryable *forge.RetryableError
	if errors.As(err, &retryable) || errors.Is(err, context.DeadlineExceeded) {
		if retryable != nil && retryable.After > 0 {
			w.retryAt.Store(job.ID, time.Now().Add(retryable.After))
		}
		return "retried", err
	}
	return "failed", river.JobCancel(err)
}
