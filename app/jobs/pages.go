package jobs

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pages"
)

// maxPagesPerRepo bounds the reviews kept of one repository: pushing
// heads at will must not fill the database. The newest are kept.
const maxPagesPerRepo = 100

// SaveReview keeps a head's review for its report page, replacing the one
// an earlier review of the head kept.
func (q *Queue) SaveReview(ctx context.Context, r pages.Review) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	provider, repo := string(r.Forge), strings.ToLower(r.Repo)
	return q.db.inTx(ctx, func(tx conn, _ inserter) error {
		intoDefault := 0
		if r.IntoDefault {
			intoDefault = 1
		}
		if _, err := tx.exec(ctx, `INSERT INTO review_pages (page_key, provider, repo, head_sha, into_default, page) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (page_key) DO UPDATE SET page = excluded.page, into_default = excluded.into_default, reviewed_at = CURRENT_TIMESTAMP`,
			r.Key(), provider, repo, r.HeadSHA, intoDefault, body); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM review_pages WHERE provider = ? AND repo = ? AND page_key NOT IN (
			SELECT page_key FROM review_pages WHERE provider = ? AND repo = ? ORDER BY reviewed_at DESC, page_key LIMIT ?)`,
			provider, repo, provider, repo, maxPagesPerRepo)
		return err
	})
}

// Review is the review kept under key (pages.Key); ok is false when none
// is, or it was pruned.
func (q *Queue) Review(ctx context.Context, key string) (r pages.Review, ok bool, err error) {
	return q.review(ctx, `SELECT page FROM review_pages WHERE page_key = ?`, key)
}

// DefaultBranchReview is the last review kept of a pull request into the
// repository's default branch: its base is the branch's latest state
// known, its policy the branch's.
func (q *Queue) DefaultBranchReview(ctx context.Context, kind forge.Kind, repo string) (r pages.Review, ok bool, err error) {
	return q.review(ctx, `SELECT page FROM review_pages WHERE provider = ? AND repo = ? AND into_default = 1
		ORDER BY reviewed_at DESC, page_key LIMIT 1`,
		string(kind), strings.ToLower(repo))
}

func (q *Queue) review(ctx context.Context, query string, args ...any) (r pages.Review, ok bool, err error) {
	var body []byte
	err = q.db.queryRow(ctx, query, args...).Scan(&body)
	if noRows(err) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return r, true, json.Unmarshal(body, &r)
}
