package jobs

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/composeguard/composeguard/app/pages"
)

// reportLinkKeySize is the size of the key signing report links.
const reportLinkKeySize = pages.KeySize

// ReportLinkKey is the key signing the links to report pages: random,
// made by the first replica to ask and kept in the database, so every
// replica signs and checks with the same one. No setting derives it: the
// webhook secrets are known to whoever configured a project's webhook.
func (q *Queue) ReportLinkKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, reportLinkKeySize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	// Two replicas starting together both insert; the first one's key stays.
	if _, err := q.db.exec(ctx, `INSERT INTO server_keys (name, secret) VALUES (?, ?) ON CONFLICT DO NOTHING`, "report_links", fresh); err != nil {
		return nil, fmt.Errorf("keep the report links' key: %w", err)
	}
	var key []byte
	if err := q.db.queryRow(ctx, `SELECT secret FROM server_keys WHERE name = ?`, "report_links").Scan(&key); err != nil {
		return nil, fmt.Errorf("read the report links' key: %w", err)
	}
	if len(key) != reportLinkKeySize {
		return nil, fmt.Errorf("the report links' key in the database is %d bytes, want %d", len(key), reportLinkKeySize)
	}
	return key, nil
}
