package review

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/composeguard/composeguard/app/audit"
)

// Metrics count what the reviews found; nil counts nothing.
type Metrics struct {
	findings *prometheus.CounterVec
}

// NewMetrics registers the counters with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{findings: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "composeguard_findings_total",
		Help: "Findings at the head of each completed review (the projects the change affects, waived ones left out), by rule.",
	}, []string{"rule"})}
	if err := reg.Register(m.findings); err != nil {
		return nil, err
	}
	return m, nil
}

// found counts the head's findings of one completed review; rules are the
// catalogue's ids, a set the code bounds.
func (m *Metrics) found(head *audit.Report) {
	if m == nil || head == nil {
		return
	}
	for _, f := range head.Findings {
		m.findings.WithLabelValues(f.Rule).Inc()
	}
}
