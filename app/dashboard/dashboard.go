// Package dashboard keeps each opted-in repository's security dashboard:
// one issue, "composeguard dashboard", that shows its default branch's
// score and trend, open findings, exceptions running out, pending image
// updates and files skipped, with boxes a person ticks to have composeguard
// open a hardening pull request or an update. The issue is opened once and
// edited in place only when what it shows changes.
//
// It is a flow, beside the review (app/review) and composeguard's pull
// requests (app/pulls), whose Runner does what a box asks: it audits with
// app/audit and reaches the forge only through app/forge. The trend and the
// body last written are kept in the database (Store, *jobs.Queue).
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/pulls"
)

// Title is the dashboard issue's title.
const Title = "composeguard dashboard"

// Forge is what the flow uses of a forge.
type Forge interface {
	forge.Contents
	forge.Issues
	forge.Identity
	BranchHead(ctx context.Context, repo forge.Repo, branch string) (forge.Head, error)
}

// Store keeps each repository's score trend and the body last written to
// its dashboard; *jobs.Queue is one.
type Store interface {
	RecordScore(ctx context.Context, repo forge.Repo, p jobs.ScorePoint) error
	Scores(ctx context.Context, repo forge.Repo, n int) ([]jobs.ScorePoint, error)
	DashboardIssue(ctx context.Context, repo forge.Repo) (number int, body string, found bool, err error)
	SaveDashboardIssue(ctx context.Context, repo forge.Repo, number int, body string) error
	// ClaimDashboardIssue reserves opening the issue, recorded being the
	// issue the record names that was found gone (0 for none); false while
	// another refresh holds it. ReleaseDashboardIssue gives it back.
	ClaimDashboardIssue(ctx context.Context, repo forge.Repo, recorded int) (bool, error)
	ReleaseDashboardIssue(ctx context.Context, repo forge.Repo) error
}

// Actions lists the image updates waiting and does what a ticked box asks;
// *pulls.Runner is one.
type Actions interface {
	Harden(ctx context.Context, repo forge.Repository, file string) (pulls.Outcome, error)
	// Waiting is given the default branch's head and files the dashboard
	// read, so they are not read twice.
	Waiting(ctx context.Context, repo forge.Repository, base forge.Head, snap forge.Snapshot, now time.Time) ([]pulls.Waiting, error)
	OpenUpdate(ctx context.Context, repo forge.Repository, branch string) (pulls.Outcome, error)
}

// Options configure a Runner.
type Options struct {
	Forge Forge
	Store Store
	// Actions nil shows no box and no image update.
	Actions Actions
	Logger  *slog.Logger
	// Now is the clock of the trend and of exceptions' expiry; time.Now
	// when nil.
	Now func() time.Time
}

// Runner refreshes dashboards; it is safe for concurrent use, and
// refreshes of one repository running at once open one issue (open).
type Runner struct{ opts Options }

// New returns a Runner.
func New(opts Options) *Runner {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Runner{opts: opts}
}

// Result is what a refresh did.
type Result struct {
	// Skipped says why nothing was done: archived, empty, not opted in,
	// closed by a person.
	Skipped string
	Issue   int
	// Created and Edited tell whether the issue was opened or its body
	// replaced; neither when it already showed this.
	Created, Edited bool
	// Done are the boxes acted on, as "harden compose.yaml: opened #3".
	Done []string
}

// Refresh acts on the boxes ticked since the dashboard was last written,
// then brings it up to date with the default branch. An error means the
// refresh should be tried again.
func (r *Runner) Refresh(ctx context.Context, repo forge.Repository) error {
	res, err := r.Repository(ctx, repo)
	log := r.opts.Logger.With("repo", repo.String())
	switch {
	case res.Skipped != "":
		log.Debug("dashboard: skipped", "reason", res.Skipped)
	case res.Created || res.Edited || len(res.Done) > 0:
		log.Info("dashboard: refreshed", "issue", res.Issue, "created", res.Created, "done", res.Done)
	}
	return err
}

// Repository refreshes one repository's dashboard.
func (r *Runner) Repository(ctx context.Context, repo forge.Repository) (*Result, error) {
	res := &Result{}
	if repo.Archived {
		res.Skipped = "archived"
		return res, nil
	}
	head, err := r.opts.Forge.BranchHead(ctx, repo.Repo, repo.DefaultBranch)
	if errors.Is(err, forge.ErrNotFound) {
		res.Skipped = "no default branch: the repository is empty"
		return res, nil
	}
	if err != nil {
		return res, err
	}
	snap, err := r.opts.Forge.Snapshot(ctx, repo.Repo, head.SHA)
	if err != nil {
		return res, err
	}
	// The default branch's policy decides: a pull request never changes it.
	pol := policy.Read(snap)
	if err := forge.SnapshotErr(snap); err != nil {
		return res, err
	}
	if !pol.Dashboard {
		res.Skipped = "no dashboard: true in " + policy.FileName
		return res, nil
	}
	login, err := r.opts.Forge.Login(ctx)
	if err != nil {
		return res, err
	}
	issue, recorded, closed, err := r.find(ctx, repo.Repo, login)
	if err != nil {
		return res, err
	}
	if closed {
		res.Skipped = "the dashboard issue was closed"
		return res, nil
	}
	if issue != nil {
		res.Issue = issue.Number
		if err := r.act(ctx, repo, *issue, res); err != nil {
			return res, err
		}
	}

	now := r.opts.Now()
	report := audit.Run(ctx, snap, pol, now)
	// A dashboard made with files missing would show them fixed.
	if err := forge.SnapshotErr(snap); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	var waiting []pulls.Waiting
	if r.opts.Actions != nil && pol.Bump.OptedIn {
		if waiting, err = r.opts.Actions.Waiting(ctx, repo, head, snap, now); err != nil {
			return res, fmt.Errorf("image updates: %w", err)
		}
	}
	trend, err := r.trend(ctx, repo.Repo, jobs.ScorePoint{SHA: head.SHA, At: now, Score: report.Score})
	if err != nil {
		return res, err
	}
	body, err := render(input{repo: repo, policy: pol, report: report, trend: trend, waiting: waiting,
		now: now, boxes: r.opts.Actions != nil})
	if err != nil {
		return res, err
	}
	switch {
	case issue == nil:
		if res.Issue, err = r.open(ctx, repo.Repo, recorded, body); err != nil {
			return res, err
		}
		res.Created = true
	case issue.Body != body:
		if err := r.opts.Forge.EditIssue(ctx, repo.Repo, issue.Number, body); err != nil {
			return res, err
		}
		res.Edited = true
	}
	if err := r.opts.Store.SaveDashboardIssue(ctx, repo.Repo, res.Issue, body); err != nil {
		return res, fmt.Errorf("record the dashboard: %w", err)
	}
	return res, nil
}

// trend records the score now when it differs from the last one recorded,
// and returns the newest points: a run that changes nothing adds nothing,
// so the dashboard stays as it is.
func (r *Runner) trend(ctx context.Context, repo forge.Repo, now jobs.ScorePoint) ([]jobs.ScorePoint, error) {
	last, err := r.opts.Store.Scores(ctx, repo, 1)
	if err != nil {
		return nil, fmt.Errorf("read the trend: %w", err)
	}
	if len(last) == 0 || last[0].Score != now.Score {
		if err := r.opts.Store.RecordScore(ctx, repo, now); err != nil {
			return nil, fmt.Errorf("record the score: %w", err)
		}
	}
	trend, err := r.opts.Store.Scores(ctx, repo, trendLength)
	if err != nil {
		return nil, fmt.Errorf("read the trend: %w", err)
	}
	return trend, nil
}

// find returns the server's dashboard issue: the one the database says the
// server wrote, else the newest issue the server's account opened that
// carries the marker. An issue anyone else opened is never it, whatever it
// holds. closed reports that it was closed, which a person did: it is left
// so. recorded is the issue the database names when it was found gone.
// Reading the recorded issue first keeps a forge whose author filter
// misses bots from having a new dashboard opened on every refresh.
func (r *Runner) find(ctx context.Context, repo forge.Repo, login string) (issue *forge.Issue, recorded int, closed bool, err error) {
	ours := func(is forge.Issue) bool { return is.Author == login && strings.Contains(is.Body, markerStart) }
	number, _, found, err := r.opts.Store.DashboardIssue(ctx, repo)
	if err != nil {
		return nil, 0, false, fmt.Errorf("read the dashboard last written: %w", err)
	}
	if found && number != 0 {
		is, err := r.opts.Forge.Issue(ctx, repo, number)
		switch {
		case err == nil && ours(is):
			return &is, 0, !is.Open, nil
		case err != nil && !errors.Is(err, forge.ErrNotFound):
			return nil, 0, false, err
		}
		// Deleted, or no longer the server's: looked for as if never made.
		recorded = number
	}
	issues, err := r.opts.Forge.IssuesBy(ctx, repo, login)
	if err != nil {
		return nil, 0, false, err
	}
	for i, is := range issues {
		if ours(is) {
			return &issues[i], 0, !is.Open, nil
		}
	}
	return nil, recorded, false, nil
}

// claimWait is when a refresh that found another opening the dashboard
// tries again: by then it is open, and recorded.
const claimWait = 10 * time.Second

// open opens the dashboard issue, once: a refresh running beside another
// that is opening it waits and tries again rather than open a second.
func (r *Runner) open(ctx context.Context, repo forge.Repo, recorded int, body string) (int, error) {
	claimed, err := r.opts.Store.ClaimDashboardIssue(ctx, repo, recorded)
	switch {
	case err != nil:
		return 0, fmt.Errorf("claim the dashboard issue: %w", err)
	case !claimed:
		return 0, &forge.RetryableError{After: claimWait, Err: errors.New("another refresh is opening the dashboard issue")}
	}
	number, err := r.opts.Forge.CreateIssue(ctx, repo, Title, body)
	if err != nil {
		// Given back with a context of its own: ctx may be why it failed.
		releaseCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return 0, errors.Join(err, r.opts.Store.ReleaseDashboardIssue(releaseCtx, repo))
	}
	return number, nil
}
