package jobs

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
)

// Options configure a Queue. The zero value inserts jobs but runs none.
type Options struct {
	// Reviewer runs review jobs; nil makes a queue that only records
	// deliveries and inserts jobs, for a later process to run.
	Reviewer Reviewer
	// Workers is how many reviews run at once (default 4).
	Workers int
	// JobTimeout bounds one attempt of a review (default 30 seconds).
	JobTimeout time.Duration
	// RescueAfter is how long after its attempt started a review left
	// running by a process that died is run again (default JobTimeout plus
	// a margin for giving up). It must exceed JobTimeout.
	RescueAfter time.Duration
	Logger      *slog.Logger
	// Registerer receives the job metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
	// Bump schedules the image update pull requests (bump.go).
	Bump BumpOptions
	// Quotas are each forge client's rate limits: image updates wait for
	// a reset where they run low, and the metrics show them.
	Quotas QuotasByForge
	// Dashboard refreshes the security dashboards (dashboard.go): on the
	// deliveries that ask for it, and on the bump schedule; nil for none.
	Dashboard Dashboarder

	// pollInterval overrides River's fetch poll interval in tests, where
	// retries must be picked up at once.
	pollInterval time.Duration
}

const (
	defaultWorkers = 4
	// Reviews take well under a second; one still running after 30 s is
	// stuck on the forge, and its next attempt starts afresh.
	defaultJobTimeout = 30 * time.Second
	// rescueMargin leaves a timed-out attempt the time to call GiveUp
	// before River's rescuer may take the job back.
	rescueMargin = giveUpTimeout + 5*time.Second
)

// Queue is the database and the River client on it.
type Queue struct {
	db       database
	client   riverClient
	migrator migrator
	works    bool
	logger   *slog.Logger
	// dashboards: the bump run also refreshes every dashboard.
	dashboards bool

	rescueAfter time.Duration
	stopRescue  func() // set by Start

	probeMu  sync.Mutex
	probedAt time.Time // when the last write probe succeeded
}

// Open opens the database at databaseURL (sqlite:// and the file's path,
// or postgres://), applies the migrations River's and the project's
// tables need, and builds the River client. Call Start to run jobs.
func Open(ctx context.Context, databaseURL string, opts Options) (*Queue, error) {
	opts.Logger = orDiscard(opts.Logger)
	db, err := openDatabase(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	q, err := newQueue(ctx, db, opts)
	if err != nil {
		db.close()
		return nil, err
	}
	return q, nil
}

func newQueue(ctx context.Context, db database, opts Options) (*Queue, error) {
	if _, err := migrate(ctx, db, opts.Logger); err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("job metrics: %w", err)
	}
	if err := registerQuotaGauge(opts.Registerer, opts.Quotas); err != nil {
		return nil, fmt.Errorf("rate limit metrics: %w", err)
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(newQueueCollector(db, opts.Logger)); err != nil {
			return nil, fmt.Errorf("job metrics: %w", err)
		}
	}
	q := &Queue{db: db, works: opts.Reviewer != nil, logger: opts.Logger}
	if q.migrator, err = db.newMigrator(opts.Logger); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}

	riverConfig := &river.Config{Logger: opts.Logger}
	if opts.Reviewer != nil {
		timeout := cmp.Or(opts.JobTimeout, defaultJobTimeout)
		workers := river.NewWorkers()
		river.AddWorker(workers, &reviewWorker{reviewer: opts.Reviewer, metrics: m, logger: opts.Logger})
		river.AddWorker(workers, &pruneWorker{db: db})
		if opts.Dashboard != nil {
			q.dashboards = true
			river.AddWorker(workers, &repoWorker[DashboardArgs]{what: "dashboard", logger: opts.Logger, quotas: opts.Quotas, reserve: opts.Bump.Reserve,
				run:  func(ctx context.Context, a DashboardArgs) error { return opts.Dashboard.Refresh(ctx, a.Repo) },
				repo: func(a DashboardArgs) forge.Repository { return a.Repo }})
		}
		riverConfig.Workers = workers
		riverConfig.Middleware = []rivertype.Middleware{&observeWork{latency: m.latency}}
		riverConfig.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: cmp.Or(opts.Workers, defaultWorkers)},
		}
		riverConfig.PeriodicJobs = []*river.PeriodicJob{prunePeriodically()}
		if err := opts.Bump.register(workers, riverConfig, q, opts.Quotas, opts.Logger, m); err != nil {
			return nil, err
		}
		q.rescueAfter = cmp.Or(opts.RescueAfter, timeout+rescueMargin)
		riverConfig.JobTimeout = timeout
		riverConfig.RescueStuckJobsAfter = q.rescueAfter
		if opts.pollInterval > 0 {
			riverConfig.FetchCooldown = opts.pollInterval
			riverConfig.FetchPollInterval = opts.pollInterval
		}
	}
	if q.client, err = db.newClient(riverConfig); err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return q, nil
}

// Start runs jobs until Stop. A queue without a Reviewer has nothing to
// start.
func (q *Queue) Start(ctx context.Context) error {
	if !q.works {
		return nil
	}
	// One process uses a SQLite file: the reviews running at its start
	// are its predecessor's, and run again at once.
	horizon := time.Now().Add(-q.rescueAfter)
	if !q.db.shared() {
		horizon = time.Now()
	}
	q.rescue(ctx, horizon)
	if err := q.client.Start(ctx); err != nil {
		return err
	}
	rescueCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	q.stopRescue = func() { cancel(); <-done }
	go q.rescueEvery(rescueCtx, q.rescueAfter, done)
	return nil
}

// Stop lets running reviews finish until ctx is done, then cancels them;
// River makes a job cancelled so available again at once, its attempt not
// counted, for another replica or the next start.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.works {
		return nil
	}
	if q.stopRescue != nil {
		q.stopRescue()
	}
	err := q.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return q.client.StopAndCancel(cancelCtx)
}

// Replica names this process among those sharing the database: River's
// client id, which river_job.attempted_by records for each attempt.
func (q *Queue) Replica() string { return q.client.ID() }

// Close closes the database. Stop the queue first.
func (q *Queue) Close() error { return q.db.close() }

// Ready reports whether the database answers, every migration has been
// applied and a write commits: what /readyz shows.
func (q *Queue) Ready(ctx context.Context) error {
	if err := q.db.ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	res, err := q.migrator.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("migrations: %v", res.Messages)
	}
	version, err := ownVersion(ctx, q.db)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if latest := migrations[len(migrations)-1].version; version != latest {
		return fmt.Errorf("migrations: composeguard's tables are at version %d, want %d", version, latest)
	}
	return q.probeWrite(ctx)
}

const (
	// probeRoom is the room the write probe asks of the database: 16
	// pages, one for each table and index a delivery writes and some to
	// spare, so the probe fails when a delivery would find no room.
	probeRoom = 16 * 4096
	// probeInterval spaces the write probes: readiness asked sooner
	// reuses the last success, so whoever reaches /readyz cannot make the
	// server write at will. A failure is tried again at the next ask.
	probeInterval = 5 * time.Second
)

// probeWrite commits a small write after taking probeRoom in the
// database and giving it back unwritten: it fails when the database is
// full, or the disk refuses to write.
func (q *Queue) probeWrite(ctx context.Context) error {
	q.probeMu.Lock()
	defer q.probeMu.Unlock()
	if !q.probedAt.IsZero() && time.Since(q.probedAt) < probeInterval {
		return nil
	}
	err := q.db.inTx(ctx, func(tx conn, _ inserter) error {
		for _, stmt := range []struct {
			query string
			args  []any
		}{
			{`SAVEPOINT room`, nil},
			{`INSERT INTO readiness_probe (id, room) VALUES (2, ?)`, []any{make([]byte, probeRoom)}},
			{`ROLLBACK TO SAVEPOINT room`, nil},
			{`INSERT INTO readiness_probe (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET probed_at = CURRENT_TIMESTAMP`, nil},
		} {
			if _, err := tx.exec(ctx, stmt.query, stmt.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	q.probedAt = time.Now()
	return nil
}
