package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics count and time what the jobs did.
type metrics struct {
	jobs          *prometheus.CounterVec
	reviewSeconds *prometheus.HistogramVec
	bumps         *prometheus.CounterVec
	bumpSeconds   *prometheus.HistogramVec
	// latency is how long a job waited from when it was due to when a
	// worker took it: the queue falling behind shows here first.
	latency *prometheus.HistogramVec
}

// jobBuckets span a review's usual second to the job timeout and beyond.
var jobBuckets = []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "composeguard_review_jobs_total",
			Help: "Review job runs by outcome: completed, retried, gave_up (failed for good) or interrupted (by shutdown).",
		}, []string{"outcome"}),
		reviewSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "composeguard_review_duration_seconds",
			Help:    "Time one attempt of a review ran, by its outcome (as composeguard_review_jobs_total's).",
			Buckets: jobBuckets,
		}, []string{"outcome"}),
		bumps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "composeguard_bump_jobs_total",
			Help: "Image update runs of one repository by outcome: completed, retried, failed or interrupted (by shutdown).",
		}, []string{"outcome"}),
		bumpSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "composeguard_bump_duration_seconds",
			Help:    "Time one attempt of a repository's image update run ran, by its outcome.",
			Buckets: jobBuckets,
		}, []string{"outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "composeguard_job_latency_seconds",
			Help:    "Time from when a job was due (queued, or its retry's time) to when a worker started it, by kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.jobs, m.reviewSeconds, m.bumps, m.bumpSeconds, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// review records one attempt of a review.
func (m *metrics) review(outcome string, took time.Duration) {
	m.jobs.WithLabelValues(outcome).Inc()
	m.reviewSeconds.WithLabelValues(outcome).Observe(took.Seconds())
}

// bump records one attempt of a repository's image update run.
func (m *metrics) bump(outcome string, took time.Duration) {
	m.bumps.WithLabelValues(outcome).Inc()
	m.bumpSeconds.WithLabelValues(outcome).Observe(took.Seconds())
}

// queueKinds and queueStates are the series composeguard_queue_jobs
// shows: the job kinds this package defines, in the states of work not
// done yet, so the labels are a set the code bounds.
var (
	queueKinds  = []string{ReviewArgs{}.Kind(), BumpRunArgs{}.Kind(), BumpRepoArgs{}.Kind(), DashboardArgs{}.Kind(), pruneArgs{}.Kind()}
	queueStates = []string{"available", "running", "scheduled", "retryable"}
)

// queueCollector counts the jobs waiting and running when scraped, with
// one query bounded by a timeout, so a slow database slows no scrape for
// long.
type queueCollector struct {
	db     database
	logger *slog.Logger
	desc   *prometheus.Desc
	query  string
}

const queueScrapeTimeout = 2 * time.Second

func newQueueCollector(db database, logger *slog.Logger) *queueCollector {
	var counts []string
	for _, kind := range queueKinds {
		for _, state := range queueStates {
			// Literals from the lists above, never from a request.
			counts = append(counts, fmt.Sprintf("COUNT(CASE WHEN kind = '%s' AND state = '%s' THEN 1 END)", kind, state))
		}
	}
	return &queueCollector{db: db, logger: logger,
		desc: prometheus.NewDesc("composeguard_queue_jobs",
			"Jobs in the database by kind and state: available (due, waiting for a worker), running, scheduled (due later) and retryable (waiting for their next attempt).",
			[]string{"kind", "state"}, nil),
		query: "SELECT " + strings.Join(counts, ", ") + " FROM river_job WHERE state IN ('" + strings.Join(queueStates, "', '") + "')",
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueScrapeTimeout)
	defer cancel()
	counts := make([]int64, len(queueKinds)*len(queueStates))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := c.db.queryRow(ctx, c.query).Scan(dest...); err != nil {
		// The series go missing from this scrape, which an alert on
		// absent() sees, and the log says why.
		c.logger.Warn("metrics: could not count the queued jobs", "error", err)
		return
	}
	for i, kind := range queueKinds {
		for j, state := range queueStates {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[i*len(queueStates)+j]), kind, state)
		}
	}
}
