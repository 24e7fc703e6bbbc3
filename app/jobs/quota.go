package jobs

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/composeguard/composeguard/app/forge"
)

// QuotasByForge are the rate limits each forge's client has seen.
type QuotasByForge map[forge.Kind]forge.Quotas

// Quota is the quota repo's requests draw on; false when unknown.
func (q QuotasByForge) Quota(repo forge.Repo) (forge.Quota, bool) {
	if quotas, ok := q[repo.Forge]; ok {
		return quotas.Quota(repo)
	}
	return forge.Quota{}, false
}

// quotaGauge shows what is left of each credential's rate limit, read from
// the forges' last answers when scraped.
type quotaGauge struct {
	quotas QuotasByForge
	desc   *prometheus.Desc
}

func registerQuotaGauge(reg prometheus.Registerer, quotas QuotasByForge) error {
	if reg == nil || len(quotas) == 0 {
		return nil
	}
	return reg.Register(&quotaGauge{quotas: quotas, desc: prometheus.NewDesc("composeguard_forge_ratelimit_remaining",
		quotaHelp, []string{"forge", "installation"}, nil)})
}

const quotaHelp = "Requests left of each credential's API rate limit until its reset, as the forge last said: a GitHub App installation's primary limit (installation: its id), a token's (installation: token)."

func (g *quotaGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *quotaGauge) Collect(ch chan<- prometheus.Metric) {
	for _, kind := range slices.Sorted(maps.Keys(g.quotas)) {
		for _, q := range g.quotas[kind].Quotas() {
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(q.Remaining), string(kind), q.Key)
		}
	}
}
