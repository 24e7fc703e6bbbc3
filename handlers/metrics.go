package handlers

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/composeguard/composeguard/app/forge"
)

// metrics counts deliveries and times their acknowledgement.
type metrics struct {
	deliveries *prometheus.CounterVec
	ack        prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "composeguard_webhook_deliveries_total",
			Help: "Webhook deliveries by forge (github, gitlab), event (\"unverified\" before the signature is checked) and outcome.",
		}, []string{"forge", "event", "outcome"}),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "composeguard_webhook_ack_seconds",
			Help: "Time from receiving a webhook delivery to answering it.",
			// GitHub gives up after 10 s; the target is under 100 ms.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}),
	}
	for _, c := range []prometheus.Collector{m.deliveries, m.ack} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observe(forge forge.Kind, event, outcome string, took time.Duration) {
	m.deliveries.WithLabelValues(string(forge), event, outcome).Inc()
	m.ack.Observe(took.Seconds())
}
