package forge

import "time"

// Quota is what is left of the requests one of the server's credentials
// may make (a GitHub App installation's primary rate limit, a GitLab
// token's), as the forge's last answer said.
type Quota struct {
	// Key names the credential in the forge's terms: the installation id
	// on GitHub, as Repo.CredentialsKey; "token" for a single token.
	Key              string
	Remaining, Limit int
	// Reset is when Remaining goes back to Limit.
	Reset time.Time
}

// Below reports whether fewer than share (0 to 1) of the limit remain
// before the reset at now: work that can wait should, leaving the rest to
// what cannot.
func (q Quota) Below(share float64, now time.Time) bool {
	return q.Limit > 0 && now.Before(q.Reset) && float64(q.Remaining) < share*float64(q.Limit)
}

// Quotas tells the quotas a forge client has seen; the github and gitlab
// clients implement it.
type Quotas interface {
	// Quota is the quota repo's requests draw on; false before any answer
	// said.
	Quota(repo Repo) (Quota, bool)
	// Quotas are every credential's, for the metrics.
	Quotas() []Quota
}
