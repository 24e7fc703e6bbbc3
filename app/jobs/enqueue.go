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
)

// Enqueue records the delivery and inserts the review job in one
// transaction: either both are stored or neither, so an acknowledged
// delivery is never lost and a redelivery never reviews twice.
func (q *Queue) Enqueue(ctx context.Context, d Delivery, req forge.ReviewRequest) (Outcome, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("enqueue: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	res, err := tx.ExecContext(ctx,
		`INSERT INTO deliveries (provider, delivery_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		string(d.Forge), d.ID)
	if err != nil {
		return "", fmt.Errorf("record delivery: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("record delivery: %w", err)
	}
	if n == 0 {
		return Duplicate, nil
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
