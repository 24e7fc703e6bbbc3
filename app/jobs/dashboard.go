package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
)

// Dashboarder refreshes a repository's security dashboard, acting first on
// the boxes a person ticked; *dashboard.Runner is one.
type Dashboarder interface {
	Refresh(ctx context.Context, repo forge.Repository) error
}

// DashboardByForge refreshes each repository's dashboard with its forge's
// Dashboarder.
type DashboardByForge map[forge.Kind]Dashboarder

func (d DashboardByForge) Refresh(ctx context.Context, repo forge.Repository) error {
	r, ok := d[repo.Forge]
	if !ok {
		return fmt.Errorf("dashboard %s: the server keeps no dashboards on %q", repo, repo.Forge)
	}
	return r.Refresh(ctx, repo)
}

// DashboardMarker starts the hidden marker of every dashboard issue
// (app/dashboard writes it): the webhook handlers queue a refresh for an
// issue edit only when the issue carries it.
const DashboardMarker = "<!-- composeguard:dashboard "

// DashboardArgs refreshes one repository's dashboard: after a push to its
// default branch, a box ticked, or on the bump schedule.
type DashboardArgs struct {
	Repo forge.Repository `json:"repo"`
	// Cause is what asked for it: the push, the edit of the issue or the
	// bump run.
	Cause string `json:"cause"`
}

func (DashboardArgs) Kind() string { return "dashboard" }

// InsertOpts make a refresh unique per repository and cause. Refreshes are
// not coalesced: one asked for while another runs must still run, or a box
// ticked meanwhile would wait for the next push.
func (DashboardArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxBumpAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// EnqueueDashboard records a delivery and its event and queues the
// refresh of repo's dashboard in one transaction, as Enqueue does a
// review; the event is the refresh's cause.
func (q *Queue) EnqueueDashboard(ctx context.Context, d Delivery, repo forge.Repository) (Outcome, error) {
	return q.record(ctx, d, func(tx conn, insert inserter) (*rivertype.JobInsertResult, error) {
		return insert(ctx, DashboardArgs{Repo: repo, Cause: d.Event}, nil)
	})
}
