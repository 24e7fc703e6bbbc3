package github

import (
	"github.com/composeguard/composeguard/app/forge"
)

// tokenQuota is the quota key of a single-token client.
const tokenQuota = "token"

var _ forge.Quotas = (*Client)(nil)

// Quota is the primary rate limit of repo's installation (or the token),
// as GitHub's last answer to it said.
func (c *Client) Quota(repo forge.Repo) (forge.Quota, bool) {
	if c.token != nil {
		return c.quotas.Get(tokenQuota)
	}
	return c.quotas.Get(repo.CredentialsKey)
}

// Quotas are every installation's primary rate limit seen so far.
func (c *Client) Quotas() []forge.Quota { return c.quotas.All() }
