package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
	if d.ID == "" || d.Event == "" {
		return "", errors.New("enqueue: a delivery needs its id and its event")
	}
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("enqueue: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	isNew, err := insertNew(ctx, tx, `INSERT INTO deliveries (provider, delivery_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		string(d.Forge), d.ID)
	switch {
	case err != nil:
		return "", fmt.Errorf("record delivery: %w", err)
	case !isNew:
		return Duplicate, nil
	}
	isNew, err = insertNew(ctx, tx, `INSERT INTO delivered_events (provider, event) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		string(d.Forge), d.Event)
	switch {
	case err != nil:
		return "", fmt.Errorf("record event: %w", err)
	case !isNew:
		// The rollback forgets the delivery too: a replay leaves nothing.
		return Replayed, nil
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO pull_heads (provider, repo, head_sha, number) VALUES (?, ?, ?, ?)
		 ON CONFLICT (provider, repo, head_sha) DO UPDATE SET number = excluded.number, recorded_at = CURRENT_TIMESTAMP`,
		string(req.Repo.Forge), req.Repo.String(), req.HeadSHA, req.Number); err != nil {
		return "", fmt.Errorf("record head: %w", err)
	}
	inserted, err := q.client.InsertTx(ctx, tx, ReviewArgs{ReviewRequest: req}, nil)
	if err != nil {
		return "", fmt.Errorf("insert review job: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("enqueue: %w", err)
	}
	if inserted.UniqueSkippedAsDuplicate {
		return Coalesced, nil
	}
	return Queued, nil
}

// insertNew runs an INSERT … ON CONFLICT DO NOTHING and reports whether it
// inserted the row.
func insertNew(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// PullRequestForHead finds the pull request whose head a delivery named
// before; ok is false when none did.
func (q *Queue) PullRequestForHead(ctx context.Context, repo forge.Repo, headSHA string) (number int, ok bool, err error) {
	err = q.db.QueryRowContext(ctx,
		`SELECT number FROM pull_heads WHERE provider = ? AND repo = ? AND head_sha = ?`,
		string(repo.Forge), repo.String(), headSHA).Scan(&number)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return number, err == nil, err
}
