package jobs

import (
	"context"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
)

// ScorePoint is a default branch's score at one commit.
type ScorePoint struct {
	SHA   string
	At    time.Time
	Score audit.Score
}

// KeptScores is how many points of each repository's trend are kept.
const KeptScores = 30

// RecordScore adds the score of a commit to the repository's trend, once
// per commit, and forgets the points past the newest KeptScores.
func (q *Queue) RecordScore(ctx context.Context, repo forge.Repo, p ScorePoint) error {
	return q.db.inTx(ctx, func(tx conn, _ inserter) error {
		s := p.Score
		if _, err := tx.exec(ctx, `INSERT INTO dashboard_scores
			(provider, repo, sha, at_ns, container_hardening, image_security, system_security, overall)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			string(repo.Forge), repo.String(), p.SHA, p.At.UnixNano(), s.ContainerHardening, s.ImageSecurity, s.SystemSecurity, s.Overall); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM dashboard_scores WHERE provider = ? AND repo = ? AND at_ns <
			(SELECT at_ns FROM dashboard_scores WHERE provider = ? AND repo = ? ORDER BY at_ns DESC LIMIT 1 OFFSET ?)`,
			string(repo.Forge), repo.String(), string(repo.Forge), repo.String(), KeptScores-1)
		return err
	})
}

// Scores returns the repository's newest n points, newest first.
func (q *Queue) Scores(ctx context.Context, repo forge.Repo, n int) ([]ScorePoint, error) {
	var out []ScorePoint
	err := q.db.queryEach(ctx, `SELECT sha, at_ns, container_hardening, image_security, system_security, overall
		FROM dashboard_scores WHERE provider = ? AND repo = ? ORDER BY at_ns DESC, sha LIMIT ?`,
		func(r row) error {
			var p ScorePoint
			var at int64
			if err := r.Scan(&p.SHA, &at, &p.Score.ContainerHardening, &p.Score.ImageSecurity, &p.Score.SystemSecurity, &p.Score.Overall); err != nil {
				return err
			}
			p.At = time.Unix(0, at).UTC()
			out = append(out, p)
			return nil
		}, string(repo.Forge), repo.String(), n)
	return out, err
}

// DashboardIssue is the repository's dashboard issue and the body the
// server last wrote to it; found is false before the first.
func (q *Queue) DashboardIssue(ctx context.Context, repo forge.Repo) (number int, body string, found bool, err error) {
	err = q.db.queryRow(ctx, `SELECT issue, body FROM dashboards WHERE provider = ? AND repo = ?`,
		string(repo.Forge), repo.String()).Scan(&number, &body)
	if noRows(err) {
		return 0, "", false, nil
	}
	return number, body, err == nil, err
}

// SaveDashboardIssue records the body the server wrote to the issue.
func (q *Queue) SaveDashboardIssue(ctx context.Context, repo forge.Repo, number int, body string) error {
	_, err := q.db.exec(ctx, `INSERT INTO dashboards (provider, repo, issue, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (provider, repo) DO UPDATE SET issue = excluded.issue, body = excluded.body, updated_at = CURRENT_TIMESTAMP`,
		string(repo.Forge), repo.String(), number, body)
	return err
}

// claimTimeout is how long a claim to open a dashboard issue holds: a
// refresh that claimed and died leaves it, and the next one past it
// opens the issue.
const claimTimeout = 2 * time.Minute

// ClaimDashboardIssue reserves opening the repository's dashboard issue,
// so two refreshes running at once do not both open one. recorded is the
// issue the record names, which the caller found gone (0 for none). It
// reports false while another refresh holds the claim, or when the record
// names another issue since.
func (q *Queue) ClaimDashboardIssue(ctx context.Context, repo forge.Repo, recorded int) (bool, error) {
	n, err := q.db.exec(ctx, `INSERT INTO dashboards (provider, repo, issue, body) VALUES (?, ?, 0, '')
		ON CONFLICT (provider, repo) DO UPDATE SET issue = 0, body = '', updated_at = CURRENT_TIMESTAMP
		WHERE dashboards.issue <> 0 AND dashboards.issue = ? OR dashboards.issue = 0 AND dashboards.updated_at < ?`,
		string(repo.Forge), repo.String(), recorded, q.db.timeValue(time.Now().Add(-claimTimeout)))
	return n > 0, err
}

// ReleaseDashboardIssue gives a claim back when the issue could not be
// opened.
func (q *Queue) ReleaseDashboardIssue(ctx context.Context, repo forge.Repo) error {
	_, err := q.db.exec(ctx, `DELETE FROM dashboards WHERE provider = ? AND repo = ? AND issue = 0`,
		string(repo.Forge), repo.String())
	return err
}
