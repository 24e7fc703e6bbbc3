package pulls

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/registry"
)

// Waiting is an image update due that has no pull request yet, and why:
// what a repository's dashboard lists.
type Waiting struct {
	Branch, Title string
	// Schedule: the repository's bump.schedule holds it back; otherwise
	// Why names the pull request limit that does, or says it opens on the
	// next run.
	Schedule bool
	Limited  bool
	Why      string
}

// Waiting lists the image updates of a repository that a run at now would
// propose but that have no open pull request: held back by the
// repository's schedule or its pull request limits. Updates a person
// declined are not listed. Nothing is written. base and snap are the
// default branch's head and its files, as the caller read them: read
// again here they would cost the same API calls twice.
func (r *Runner) Waiting(ctx context.Context, repo forge.Repository, base forge.Head, snap forge.Snapshot, now time.Time) ([]Waiting, error) {
	s, err := r.startAt(ctx, repo, base, snap, bumpTrailer)
	if err != nil {
		return nil, err
	}
	w, props, err := r.plan(ctx, s)
	if w == nil || err != nil {
		return nil, err
	}
	sch := w.policy.Bump.Schedule
	held := !sch.IsZero() && !sch.FiresWithin(now.Add(-ScheduleWindow), now)
	var out []Waiting
	for _, p := range props {
		pulls, err := w.opts.Forge.PullsFrom(ctx, w.repo.Repo, p.branch)
		if err != nil {
			return nil, err
		}
		if openPull(pulls) || w.declined(pulls, p.marker(w.base.SHA)) != 0 {
			continue
		}
		wait := Waiting{Branch: p.branch, Title: p.title(), Why: "opens on the next scheduled run"}
		switch reason := w.limited(); {
		case held:
			wait.Schedule, wait.Why = true, fmt.Sprintf("outside its schedule %q", sch)
		case reason != "":
			wait.Limited, wait.Why = true, reason
		default:
			w.opened++ // as the run would: the limits then hold the next ones back
		}
		out = append(out, wait)
	}
	return out, nil
}

// OpenUpdate opens (or refreshes) the pull request of one branch of the
// image updates now, as a person asked: whatever the repository's schedule
// and pull request limits. A branch the plan no longer proposes is Failed.
func (r *Runner) OpenUpdate(ctx context.Context, repo forge.Repository, branch string) (Outcome, error) {
	w, props, err := r.planned(ctx, repo)
	if w == nil || err != nil {
		return Outcome{Branch: branch, Action: Failed, Detail: "no bump: section in " + policy.FileName}, err
	}
	w.force = true
	for _, p := range props {
		if p.branch == branch {
			return w.propose(ctx, p)
		}
	}
	return Outcome{Branch: branch, Action: Failed, Detail: "no update is due on this branch any more"}, nil
}

// planned plans a repository's image updates with a registry client of
// its own; a nil run when the repository has nothing to plan (archived,
// empty, not opted in).
func (r *Runner) planned(ctx context.Context, repo forge.Repository) (*repoRun, []*proposal, error) {
	s, _, err := r.start(ctx, repo, bumpTrailer)
	if s == nil || err != nil {
		return nil, nil, err
	}
	return r.plan(ctx, s)
}

// plan plans the image updates of a session; a nil run when the
// repository is not opted in.
func (r *Runner) plan(ctx context.Context, s *session) (*repoRun, []*proposal, error) {
	if !s.policy.Bump.OptedIn {
		return nil, nil, nil
	}
	if r.opts.NewRegistry == nil {
		return nil, nil, errors.New("no registry client to look image updates up with")
	}
	regs, err := r.opts.NewRegistry()
	if err != nil {
		return nil, nil, fmt.Errorf("registry client: %w", err)
	}
	w := &repoRun{session: s, registry: regs.For(registry.ScopeName(s.repo.Repo)), result: &Result{}}
	props, err := w.plan(ctx)
	return w, props, err
}

// openPull reports an open pull request among pulls, whoever opened it.
func openPull(pulls []forge.Pull) bool {
	for _, p := range pulls {
		if p.Open {
			return true
		}
	}
	return false
}
