package jobs

import "github.com/prometheus/client_golang/prometheus"

// metrics counts what the review jobs did.
type metrics struct {
	jobs *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "composeguard_review_jobs_total",
			Help: "Review job runs by outcome: completed, retried, gave_up (failed for good) or interrupted (by shutdown).",
		}, []string{"outcome"}),
	}
	if reg != nil {
		if err := reg.Register(m.jobs); err != nil {
			return nil, err
		}
	}
	return m, nil
}
