package jobs

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/forge"
)

// The queue is the reviews' store (review.Store): what they posted on each
// pull request and the head of its latest event, in the database beside
// the deliveries, so a review reads the forge only when the record cannot
// tell. The flow decides what to trust; these methods only keep it.

// Posted is the record of req's pull request, in doubt while a write of
// any job is recorded as begun and not done.
func (q *Queue) Posted(ctx context.Context, req forge.ReviewRequest) (forge.Posted, error) {
	var p forge.Posted
	var recorded, doubts int
	err := q.db.queryRow(ctx, `SELECT COALESCE(p.recorded, 0), COALESCE(p.summary_id, 0), COALESCE(p.summary_digest, ''),
			(SELECT count(*) FROM review_writes w WHERE w.provider = ? AND w.repo = ? AND w.number = ?),
			COALESCE((SELECT run_id FROM review_runs WHERE job = ?), 0)
		FROM (SELECT 1 AS one) AS one LEFT JOIN review_pulls p ON p.provider = ? AND p.repo = ? AND p.number = ?`,
		append(append(pullKey(req), req.Job), pullKey(req)...)...).
		Scan(&recorded, &p.SummaryID, &p.SummaryDigest, &doubts, &p.Run)
	if err != nil {
		return p, err
	}
	p.Recorded, p.InDoubt = recorded == 1, doubts > 0
	if req.Job == 0 {
		p.Run = 0
	}
	err = q.db.queryEach(ctx, `SELECT fingerprints, settled FROM review_comments WHERE provider = ? AND repo = ? AND number = ? ORDER BY comment`,
		func(r row) error {
			var fps string
			var settled int
			if err := r.Scan(&fps, &settled); err != nil {
				return err
			}
			p.Comments = append(p.Comments, forge.PostedComment{Fingerprints: strings.Fields(fps), Settled: settled == 1})
			return nil
		}, pullKey(req)...)
	return p, err
}

// Writing records that req's job is sending a write on its pull request.
func (q *Queue) Writing(ctx context.Context, req forge.ReviewRequest) error {
	_, err := q.db.exec(ctx, `INSERT INTO review_writes (provider, repo, number, job) VALUES (?, ?, ?, ?)
		ON CONFLICT (provider, repo, number, job) DO UPDATE SET begun_at = CURRENT_TIMESTAMP`, append(pullKey(req), req.Job)...)
	return err
}

// Wrote adds p to the record and ends the doubt of req's job, at once.
func (q *Queue) Wrote(ctx context.Context, req forge.ReviewRequest, p forge.Posted) error {
	return q.db.inTx(ctx, func(tx conn, _ inserter) error {
		if err := record(ctx, tx, req, p); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM review_writes WHERE provider = ? AND repo = ? AND number = ? AND job = ?`,
			append(pullKey(req), req.Job)...)
		return err
	})
}

// Listed adds what the forge listed to the record, and ends the doubts it
// covers: those of req's job (its earlier attempts are over) and those
// begun before any attempt still running could have started. It adds
// rather than replaces: another review may have recorded a write since
// the listing.
func (q *Queue) Listed(ctx context.Context, req forge.ReviewRequest, p forge.Posted) error {
	over := q.db.timeValue(time.Now().Add(-cmp.Or(q.rescueAfter, defaultJobTimeout+rescueMargin)))
	return q.db.inTx(ctx, func(tx conn, _ inserter) error {
		if err := record(ctx, tx, req, p); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM review_writes WHERE provider = ? AND repo = ? AND number = ? AND (job = ? OR begun_at < ?)`,
			append(pullKey(req), req.Job, over)...)
		return err
	})
}

// record adds p to the record of req's pull request.
func record(ctx context.Context, tx conn, req forge.ReviewRequest, p forge.Posted) error {
	if _, err := tx.exec(ctx, `INSERT INTO review_pulls (provider, repo, number, recorded, summary_id, summary_digest) VALUES (?, ?, ?, 1, ?, ?)
		ON CONFLICT (provider, repo, number) DO UPDATE SET recorded = 1, updated_at = CURRENT_TIMESTAMP,
			summary_id = CASE WHEN excluded.summary_id = 0 THEN review_pulls.summary_id ELSE excluded.summary_id END,
			summary_digest = CASE WHEN excluded.summary_id = 0 THEN review_pulls.summary_digest ELSE excluded.summary_digest END`,
		append(pullKey(req), p.SummaryID, p.SummaryDigest)...); err != nil {
		return err
	}
	for _, c := range p.Comments {
		if len(c.Fingerprints) == 0 {
			continue
		}
		settled := 0
		if c.Settled {
			settled = 1
		}
		if _, err := tx.exec(ctx, `INSERT INTO review_comments (provider, repo, number, comment, fingerprints, settled) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (provider, repo, number, comment) DO UPDATE SET settled = CASE WHEN excluded.settled = 1 THEN 1 ELSE review_comments.settled END`,
			append(pullKey(req), c.Fingerprints[0], strings.Join(c.Fingerprints, " "), settled)...); err != nil {
			return err
		}
	}
	if p.Run == 0 || req.Job == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO review_runs (job, run_id) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET run_id = excluded.run_id`, req.Job, p.Run)
	return err
}

// Head is the head the latest event of the pull request named.
func (q *Queue) Head(ctx context.Context, repo forge.Repo, number int) (string, error) {
	var head string
	err := q.db.queryRow(ctx, `SELECT head_sha FROM review_pulls WHERE provider = ? AND repo = ? AND number = ?`,
		string(repo.Forge), repo.String(), number).Scan(&head)
	if noRows(err) {
		return "", nil
	}
	return head, err
}

// OthersAt lists the other pull requests whose latest event named head.
// Every pull request an event was received for has its head here, so the
// answer is known.
func (q *Queue) OthersAt(ctx context.Context, repo forge.Repo, number int, head string) ([]int, bool, error) {
	var others []int
	err := q.db.queryEach(ctx, `SELECT number FROM review_pulls WHERE provider = ? AND repo = ? AND head_sha = ? AND number <> ? ORDER BY number`,
		func(r row) error {
			var n int
			err := r.Scan(&n)
			others = append(others, n)
			return err
		}, string(repo.Forge), repo.String(), head, number)
	return others, err == nil, err
}

// recordHead notes the head an event of the pull request named, before
// its review is queued.
func recordHead(ctx context.Context, tx conn, req forge.ReviewRequest) error {
	_, err := tx.exec(ctx, `INSERT INTO review_pulls (provider, repo, number, head_sha) VALUES (?, ?, ?, ?)
		ON CONFLICT (provider, repo, number) DO UPDATE SET head_sha = excluded.head_sha, updated_at = CURRENT_TIMESTAMP`,
		append(pullKey(req), req.HeadSHA)...)
	return err
}

func pullKey(req forge.ReviewRequest) []any {
	return []any{string(req.Repo.Forge), req.Repo.String(), req.Number}
}
