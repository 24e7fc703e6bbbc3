package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
)

// Delivery identifies one webhook delivery of a forge: GitHub's
// X-GitHub-Delivery is the same on every redelivery of an event.
type Delivery struct {
	Forge forge.Kind
	ID    string
	// Event identifies what the delivery reports, from its signed body:
	// the same when that body is sent again under another id (a replay),
	// different for every new event. The handlers say what it is made of.
	Event string
}

// Outcome is what Enqueue did with a delivery.
type Outcome string

const (
	// Queued: a new delivery, and a new review job.
	Queued Outcome = "queued"
	// Coalesced: a new delivery for a head whose review already waits or
	// runs; that review covers it.
	Coalesced Outcome = "coalesced"
	// Duplicate: the delivery was seen before; nothing was done.
	Duplicate Outcome = "duplicate"
	// Replayed: a new delivery id for an event received before; nothing
	// was done or kept.
	Replayed Outcome = "replayed"
)

// Enqueue records the delivery and its event and inserts the review job in
// one transaction: either all are stored or none, so an acknowledged
// delivery is never lost, and neither a redelivery nor a replay reviews
// twice.
func (q *Queue) Enqueue(ctx context.Context, d Delivery, req forge.ReviewRequest) (Outcome, error) {
	return q.record(ctx, d, func(tx conn, insert inserter) (*rivertype.JobInsertResult, error) {
		if _, err := tx.exec(ctx,
			`INSERT INTO pull_heads (provider, repo, head_sha, number) VALUES (?, ?, ?, ?)
			 ON CONFLICT (provider, repo, head_sha) DO UPDATE SET number = excluded.number, recorded_at = CURRENT_TIMESTAMP`,
			string(req.Repo.Forge), req.Repo.String(), req.HeadSHA, req.Number); err != nil {
			return nil, fmt.Errorf("record head: %w", err)
		}
		if err := recordHead(ctx, tx, req); err != nil {
			return nil, fmt.Errorf("record head: %w", err)
		}
		return insert(ctx, ReviewArgs{ReviewRequest: req}, nil)
	})
}

// record records a delivery and its event and queues its job with queue,
// in one transaction: Queued, or Coalesced when a job alike already waits;
// Duplicate and Replayed do nothing.
func (q *Queue) record(ctx context.Context, d Delivery, queue func(tx conn, insert inserter) (*rivertype.JobInsertResult, error)) (Outcome, error) {
	if d.ID == "" || d.Event == "" {
		return "", errors.New("enqueue: a delivery needs its id and its event")
	}
	var outcome Outcome
	err := q.db.inTx(ctx, func(tx conn, insert inserter) error {
		isNew, err := insertNew(ctx, tx, `INSERT INTO deliveries (provider, delivery_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			string(d.Forge), d.ID)
		switch {
		case err != nil:
			return fmt.Errorf("record delivery: %w", err)
		case !isNew:
			outcome = Duplicate
			return nil
		}
		isNew, err = insertNew(ctx, tx, `INSERT INTO delivered_events (provider, event) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			string(d.Forge), d.Event)
		switch {
		case err != nil:
			return fmt.Errorf("record event: %w", err)
		case !isNew:
			// The rollback forgets the delivery too: a replay leaves nothing.
			outcome = Replayed
			return errReplayed
		}
		// Every job a delivery queues names it, for its log lines (observe.go).
		meta, err := json.Marshal(jobMetadata{Delivery: d.ID})
		if err != nil {
			return err
		}
		inserted, err := queue(tx, func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
			if opts == nil {
				opts = &river.InsertOpts{}
			}
			opts.Metadata = meta
			return insert(ctx, args, opts)
		})
		if err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		outcome = Queued
		if inserted.UniqueSkippedAsDuplicate {
			outcome = Coalesced
		}
		return nil
	})
	if errors.Is(err, errReplayed) {
		return Replayed, nil
	}
	if err != nil {
		return "", fmt.Errorf("enqueue: %w", err)
	}
	return outcome, nil
}

// errReplayed rolls back the transaction of a replay.
var errReplayed = errors.New("replayed")

// insertNew runs an INSERT … ON CONFLICT DO NOTHING and reports whether it
// inserted the row.
func insertNew(ctx context.Context, tx conn, query string, args ...any) (bool, error) {
	n, err := tx.exec(ctx, query, args...)
	return n > 0, err
}

// PullRequestForHead finds the pull request whose head a delivery named
// before; ok is false when none did.
func (q *Queue) PullRequestForHead(ctx context.Context, repo forge.Repo, headSHA string) (number int, ok bool, err error) {
	err = q.db.queryRow(ctx,
		`SELECT number FROM pull_heads WHERE provider = ? AND repo = ? AND head_sha = ?`,
		string(repo.Forge), repo.String(), headSHA).Scan(&number)
	if noRows(err) {
		return 0, false, nil
	}
	return number, err == nil, err
}
