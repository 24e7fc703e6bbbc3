package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/composeguard/composeguard/app/pages"
)

const (
	// GitHub.com lets an owner redeliver for 3 days, GitHub Enterprise
	// Server for 7 (docs: "Redelivering webhooks"); a delivery is kept a
	// day past that so its redelivery is still recognised.
	deliveryRetention = 8 * 24 * time.Hour
	// A head is looked up while its pull request is reviewed; a month is
	// long past any re-run anyone makes.
	headRetention = 30 * 24 * time.Hour
	pruneInterval = time.Hour
)

// pruneArgs is the periodic job that forgets old deliveries, heads,
// review pages and review records.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	db database
}

func prunePeriodically() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(pruneInterval),
		func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	return prune(ctx, w.db, time.Now())
}

// prune deletes what is older than its retention at now.
func prune(ctx context.Context, db database, now time.Time) error {
	for _, p := range []struct {
		table, column string
		retention     time.Duration
	}{
		{"deliveries", "received_at", deliveryRetention},
		// Replays are refused as long as redeliveries are recognised.
		{"delivered_events", "received_at", deliveryRetention},
		{"pull_heads", "recorded_at", headRetention},
		// No link opens a page older than this.
		{"review_pages", "reviewed_at", pages.LinkLifetime},
		// A pull request forgotten is listed on the forge at its next review.
		{"review_pulls", "updated_at", headRetention},
		{"review_runs", "recorded_at", headRetention},
	} {
		cutoff := db.timeValue(now.Add(-p.retention))
		if _, err := db.exec(ctx, "DELETE FROM "+p.table+" WHERE "+p.column+" < ?", cutoff); err != nil {
			return fmt.Errorf("prune %s: %w", p.table, err)
		}
	}
	// What is recorded of a pull request goes with it; so does a doubt,
	// which only a record needs.
	for _, table := range []string{"review_comments", "review_writes"} {
		if _, err := db.exec(ctx, "DELETE FROM "+table+` WHERE NOT EXISTS (SELECT 1 FROM review_pulls p
			WHERE p.provider = `+table+`.provider AND p.repo = `+table+`.repo AND p.number = `+table+`.number)`); err != nil {
			return fmt.Errorf("prune %s: %w", table, err)
		}
	}
	return nil
}
