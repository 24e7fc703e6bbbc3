package gitlab

import "github.com/composeguard/composeguard/app/forge"

// tokenQuota is the key of the token's quota: one token acts on every
// project, and GitLab limits its user
// (https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/).
const tokenQuota = "token"

var _ forge.Quotas = (*Client)(nil)

// Quota is the token's rate limit, as GitLab's last answer said: every
// project draws on it.
func (c *Client) Quota(forge.Repo) (forge.Quota, bool) { return c.quotas.Get(tokenQuota) }

// Quotas is the token's rate limit, once an answer said it.
func (c *Client) Quotas() []forge.Quota { return c.quotas.All() }
