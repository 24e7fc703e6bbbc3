package pulls

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
)

// repoRun is the image update flow in one repository.
type repoRun struct {
	*session
	files    []string
	registry Registry
	result   *Result

	// partial: GitHub listed only part of the tree, so references may be
	// missing and no pull request may be closed for want of one.
	partial bool
	// unknown are the repositories a registry could not answer for.
	unknown map[string]bool
	open    []forge.Pull // composeguard's open pull requests
	opened  int          // by this run
	before  *audit.Score
	// force: a person asked for this update now, whatever the policy's
	// pull request limits.
	force bool
}

// plan finds the updates due and composeguard's open image update pull
// requests, and returns the proposals.
func (w *repoRun) plan(ctx context.Context) ([]*proposal, error) {
	for _, p := range w.snap.Paths() {
		if w.policy.Selects(p) {
			w.files = append(w.files, p)
		}
	}
	plan := bump.PlanUpdates(ctx, w.registry, bump.Extract(w.snap, w.files), w.policy.Bump)
	// A plan made with files missing would close pull requests that are
	// still needed.
	if err := forge.SnapshotErr(w.snap); err != nil {
		return nil, err
	}
	if t, ok := w.snap.(interface{ Truncated() bool }); ok {
		w.partial = t.Truncated()
	}
	w.unknown = map[string]bool{}
	for _, s := range plan.Skipped {
		if img, err := compose.ParseImage(s.Image); err == nil && s.Unknown {
			w.unknown[img.Name()] = true
		}
	}
	all, err := w.opts.Forge.OpenPulls(ctx, w.repo.Repo)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if w.ours(p) && !hardening(p) {
			w.open = append(w.open, p)
		}
	}
	return proposals(plan.Updates), nil
}

func (w *repoRun) run(ctx context.Context) error {
	props, err := w.plan(ctx)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, p := range props {
		wanted[p.branch] = true
	}
	// Closing first frees room under the open pull request limit.
	if err := w.closeUnneeded(ctx, wanted); err != nil {
		return err
	}
	for _, p := range props {
		o, err := w.propose(ctx, p)
		if err != nil {
			if retry(err) {
				return err
			}
			o = Outcome{Branch: p.branch, Action: Failed, Detail: err.Error()}
		}
		w.result.Outcomes = append(w.result.Outcomes, o)
	}
	return nil
}

// retry reports a failure worth running the repository again for.
func retry(err error) bool {
	var r *forge.RetryableError
	return errors.As(err, &r) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// propose opens, updates or leaves the pull request of one branch.
func (w *repoRun) propose(ctx context.Context, p *proposal) (Outcome, error) {
	o := Outcome{Branch: p.branch}
	pulls, err := w.opts.Forge.PullsFrom(ctx, w.repo.Repo, p.branch)
	if err != nil {
		return o, err
	}
	var current *forge.Pull
	for i, pr := range pulls {
		switch {
		case pr.Open && !w.ours(pr):
			o.Action, o.Number, o.Detail = LeftAlone, pr.Number, "pull request opened by "+pr.Author
			return o, nil
		case pr.Open && current == nil:
			current = &pulls[i]
		}
	}
	want := p.marker(w.base.SHA)
	if current == nil {
		if n := w.declined(pulls, want); n != 0 {
			o.Action, o.Number, o.Detail = Ignored, n, "closed without merging: "+strings.Join(want.targets(), ", ")
			return o, nil
		}
		if reason := w.limited(); reason != "" && !w.force {
			o.Action, o.Detail = RateLimited, reason
			return o, nil
		}
	} else if got, ok := readMarker(current.Body); ok {
		o.Number = current.Number
		switch repo := w.unknownIn(got); {
		case got.same(want):
			o.Action = Current
			return o, nil
		case repo != "":
			// A group would lose the image the registry did not answer for.
			o.Action, o.Detail = Kept, "the registry of "+repo+" did not answer; not rebuilt"
			return o, nil
		}
	}
	edits, err := bump.Apply(ctx, w.snap, w.files, p.updates)
	if err != nil {
		return o, err
	}
	body, err := w.body(ctx, p, w.scoreWith(ctx, edits))
	if err != nil {
		return o, err
	}
	change := pending{branch: p.branch, title: p.title(), body: body, message: commitMessage(p), files: edits, labels: w.opts.Labels}
	if current != nil {
		return w.rebuild(ctx, change, *current)
	}
	o, err = w.openPull(ctx, change)
	if o.Action == Opened {
		w.opened++
	}
	return o, err
}

// unknownIn returns a repository of the marker a registry could not answer
// for in this run, "" when there is none.
func (w *repoRun) unknownIn(m marker) string {
	for _, c := range m.Updates {
		if w.unknown[c.Repository] {
			return c.Repository
		}
	}
	return ""
}

// declined returns the pull request a person closed without merging that
// proposed exactly these versions, 0 when there is none.
func (w *repoRun) declined(pulls []forge.Pull, want marker) int {
	for _, pr := range pulls {
		if pr.Open || pr.Merged || !w.ours(pr) || strings.HasSuffix(pr.Title, autoclosed) {
			continue
		}
		if m, ok := readMarker(pr.Body); ok && slices.Equal(m.targets(), want.targets()) {
			return pr.Number
		}
	}
	return 0
}

// limited says why no new pull request may open now, "" when one may:
// the policy's limits on pull requests opened this clock hour and open at
// once. Pull requests opened this hour and closed since are not counted.
func (w *repoRun) limited() string {
	hourly, concurrent := w.policy.Bump.Limits()
	hour := w.now.Truncate(time.Hour)
	thisHour := w.opened
	for _, p := range w.open {
		if !p.Created.Before(hour) && p.Created.Before(hour.Add(time.Hour)) {
			thisHour++
		}
	}
	switch {
	case concurrent > 0 && len(w.open)+w.opened >= concurrent:
		return fmt.Sprintf("%d pull requests open, the limit (pr_concurrent_limit)", concurrent)
	case hourly > 0 && thisHour >= hourly:
		return fmt.Sprintf("%d pull requests opened this hour, the limit (pr_hourly_limit)", hourly)
	}
	return ""
}
