package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// database is SQLite or PostgreSQL: River's driver on it, and the
// connection the project's own queries run on. The queries are written once
// (database.go, enqueue.go, prune.go); the two differ only in what the
// methods below hide: placeholders, column types and how a time compares.
type database interface {
	conn
	// inTx runs fn in a transaction committed when fn returns nil; jobs fn
	// inserts with insert commit or roll back with it.
	inTx(ctx context.Context, fn func(tx conn, insert inserter) error) error
	ping(ctx context.Context) error
	close() error

	// newClient builds the River client; it must be called once, before
	// inTx inserts a job.
	newClient(cfg *river.Config) (riverClient, error)
	newMigrator(logger *slog.Logger) (migrator, error)
	// lockMigrations keeps other processes from migrating until unlock: two
	// replicas starting at once must not both create a table.
	lockMigrations(ctx context.Context) (unlock func(), err error)

	// shared reports whether several processes may use the database at
	// once; when not, every review running at start was left by a process
	// that died.
	shared() bool

	// countInterruption is the SET clause that adds one to the
	// "interrupted" count of river_job.metadata.
	countInterruption() string

	// columnTypes are the types of a time and of bytes in CREATE TABLE.
	columnTypes() (timestamp, blob string)
	// timeValue is t as a query argument compared with a timestamp column
	// that defaults to CURRENT_TIMESTAMP.
	timeValue(t time.Time) any
}

// conn runs a query, with ? placeholders, on a database or in a transaction.
type conn interface {
	exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	queryRow(ctx context.Context, query string, args ...any) row
	// queryEach calls each for every row of the result, in order.
	queryEach(ctx context.Context, query string, each func(row) error, args ...any) error
}

// row is one row of a result, *sql.Row or pgx.Row.
type row interface{ Scan(dest ...any) error }

// noRows reports a queryRow that found no row, on either database.
func noRows(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows)
}

// eachRow calls each for every row of rows, *sql.Rows or pgx.Rows, in
// order; the caller closes rows.
func eachRow(rows interface {
	row
	Next() bool
	Err() error
}, each func(row) error) error {
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// inserter inserts a job in the transaction it was given with; opts may be
// nil, and add to the args' own InsertOpts.
type inserter func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)

// riverClient is what the queue uses of *river.Client, whatever its
// driver's transaction type.
type riverClient interface {
	ID() string
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// migrator is what the queue uses of *rivermigrate.Migrator.
type migrator interface {
	Migrate(ctx context.Context, direction rivermigrate.Direction, opts *rivermigrate.MigrateOpts) (*rivermigrate.MigrateResult, error)
	Validate(ctx context.Context, opts *rivermigrate.ValidateOpts) (*rivermigrate.ValidateResult, error)
}

// openDatabase opens the database a URL names: sqlite:// and the file's
// path, or postgres:// (postgresql://) and pgx's connection settings.
// Errors never quote the URL: it may carry a password.
func openDatabase(ctx context.Context, databaseURL string) (database, error) {
	if path, ok := strings.CutPrefix(databaseURL, "sqlite://"); ok && path != "" {
		return openSQLite(ctx, path)
	}
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		return openPostgres(ctx, databaseURL)
	}
	return nil, errors.New("database URL: want sqlite:// and the database file's path, or postgres://")
}

// migration is one change to the project's own tables. Applied
// migrations are never edited: a change is a new one. Every statement
// names a column type by index, so fmt adds nothing to it.
type migration struct {
	version int
	// statements may take the column types of a time (%[1]s) and of
	// bytes (%[2]s).
	statements []string
}

var migrations = []migration{{version: 1, statements: []string{
	// Each acknowledged delivery, so a redelivery does nothing.
	`CREATE TABLE IF NOT EXISTS deliveries (
		provider    TEXT NOT NULL,
		delivery_id TEXT NOT NULL,
		received_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, delivery_id)
	)`,
	// Each event acknowledged, by the identity its signed body gives it
	// (Delivery.Event), so a replay under a new delivery id does nothing.
	`CREATE TABLE IF NOT EXISTS delivered_events (
		provider    TEXT NOT NULL,
		event       TEXT NOT NULL,
		received_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, event)
	)`,
	// The pull request of each head seen: check events for a fork's
	// commits carry no pull request, so the re-run button finds it here.
	`CREATE TABLE IF NOT EXISTS pull_heads (
		provider    TEXT NOT NULL,
		repo        TEXT NOT NULL,
		head_sha    TEXT NOT NULL,
		number      INTEGER NOT NULL,
		recorded_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, repo, head_sha)
	)`,
	// What the readiness probe writes (Queue.Ready): row 1 when it last
	// succeeded; the room it asks for is never written.
	`CREATE TABLE IF NOT EXISTS readiness_probe (
		id        INTEGER PRIMARY KEY,
		probed_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		room      %[2]s
	)`,
}}, {version: 2, statements: []string{
	// The default branch's score at each commit the security dashboard
	// was refreshed on, newest kept (RecordScore): the trend it shows.
	`CREATE TABLE IF NOT EXISTS dashboard_scores (
		provider            TEXT NOT NULL,
		repo                TEXT NOT NULL,
		sha                 TEXT NOT NULL,
		at_ns               BIGINT NOT NULL, -- Unix nanoseconds: runs within one second keep their order
		container_hardening DOUBLE PRECISION NOT NULL,
		image_security      DOUBLE PRECISION NOT NULL,
		system_security     DOUBLE PRECISION NOT NULL,
		overall             DOUBLE PRECISION NOT NULL,
		recorded_at         %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, repo, sha)
	)`,
	// Each repository's dashboard issue and the body the server last wrote
	// to it: what its boxes said before a person ticked one.
	`CREATE TABLE IF NOT EXISTS dashboards (
		provider   TEXT NOT NULL,
		repo       TEXT NOT NULL,
		issue      INTEGER NOT NULL,
		body       TEXT NOT NULL,
		updated_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, repo)
	)`,
}}, {version: 3, statements: []string{
	// The last review of each head, as its report page shows it (pages.Review
	// as JSON), under pages.Key; the newest 100 of a repository. into_default
	// (1 or 0) finds the one the repository's badge shows.
	`CREATE TABLE IF NOT EXISTS review_pages (
		page_key     TEXT PRIMARY KEY,
		provider     TEXT NOT NULL,
		repo         TEXT NOT NULL,
		head_sha     TEXT NOT NULL,
		into_default INTEGER NOT NULL DEFAULT 0,
		reviewed_at  %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		page         %[2]s NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS review_pages_repo ON review_pages (provider, repo, reviewed_at)`,
}}, {version: 4, statements: []string{
	// What reviews posted on each pull request (review_store.go): recorded once
	// a write or a listing told it, and the head of its latest event.
	`CREATE TABLE IF NOT EXISTS review_pulls (
		provider       TEXT NOT NULL,
		repo           TEXT NOT NULL,
		number         INTEGER NOT NULL,
		head_sha       TEXT NOT NULL DEFAULT '',
		recorded       INTEGER NOT NULL DEFAULT 0,
		summary_id     BIGINT NOT NULL DEFAULT 0,
		summary_digest TEXT NOT NULL DEFAULT '',
		updated_at     %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, repo, number)
	)`,
	`CREATE INDEX IF NOT EXISTS review_pulls_head ON review_pulls (provider, repo, head_sha)`,
	// The fingerprints of each inline comment posted, the comment known by
	// its first.
	`CREATE TABLE IF NOT EXISTS review_comments (
		provider     TEXT NOT NULL,
		repo         TEXT NOT NULL,
		number       INTEGER NOT NULL,
		comment      TEXT NOT NULL,
		fingerprints TEXT NOT NULL,
		settled      INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (provider, repo, number, comment)
	)`,
	// Writes sent and not yet recorded: the pull request's record is in
	// doubt while one is here.
	`CREATE TABLE IF NOT EXISTS review_writes (
		provider TEXT NOT NULL,
		repo     TEXT NOT NULL,
		number   INTEGER NOT NULL,
		job      BIGINT NOT NULL,
		begun_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, repo, number, job)
	)`,
	// The check run each review job completed.
	`CREATE TABLE IF NOT EXISTS review_runs (
		job         BIGINT PRIMARY KEY,
		run_id      BIGINT NOT NULL,
		recorded_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP
	)`,
}}, {version: 5, statements: []string{
	// Keys the server made for itself, shared by its replicas
	// (ReportLinkKey): never derived from a setting anyone else knows.
	`CREATE TABLE IF NOT EXISTS server_keys (
		name       TEXT PRIMARY KEY,
		secret     %[2]s NOT NULL,
		created_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP
	)`,
}}}

// migrationsTable records the versions of the project's migrations applied.
const migrationsTable = `CREATE TABLE IF NOT EXISTS composeguard_migration (
	version    INTEGER PRIMARY KEY,
	applied_at %[1]s NOT NULL DEFAULT CURRENT_TIMESTAMP
)`

// Migrated says what a migration run applied.
type Migrated struct {
	River []int // River's versions
	Own   []int // the project's
}

// migrate applies River's migrations and the project's, one process at a
// time; a process that waited finds them applied and applies nothing.
func migrate(ctx context.Context, db database, logger *slog.Logger) (Migrated, error) {
	var done Migrated
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return done, fmt.Errorf("migrations: %w", err)
	}
	defer unlock()
	m, err := db.newMigrator(logger)
	if err != nil {
		return done, fmt.Errorf("migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return done, fmt.Errorf("apply River's migrations: %w", err)
	}
	for _, v := range res.Versions {
		done.River = append(done.River, v.Version)
	}
	timestamp, blob := db.columnTypes()
	err = db.inTx(ctx, func(tx conn, _ inserter) error {
		if _, err := tx.exec(ctx, fmt.Sprintf(migrationsTable, timestamp)); err != nil {
			return err
		}
		applied, err := ownVersion(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range migrations[applied:] {
			for _, stmt := range m.statements {
				if strings.Contains(stmt, "%[") {
					stmt = fmt.Sprintf(stmt, timestamp, blob)
				}
				if _, err := tx.exec(ctx, stmt); err != nil {
					return fmt.Errorf("version %d: %w", m.version, err)
				}
			}
			if _, err := tx.exec(ctx, `INSERT INTO composeguard_migration (version) VALUES (?)`, m.version); err != nil {
				return err
			}
			done.Own = append(done.Own, m.version)
		}
		return nil
	})
	if err != nil {
		return Migrated{}, fmt.Errorf("apply composeguard's migrations: %w", err)
	}
	return done, nil
}

// ownVersion is the last of the project's migrations applied.
func ownVersion(ctx context.Context, c conn) (int, error) {
	var version int
	err := c.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM composeguard_migration`).Scan(&version)
	return version, err
}

// Migrate applies every migration to the database at databaseURL and says
// which it applied: what `composeguard migrate` runs, and every start.
func Migrate(ctx context.Context, databaseURL string, logger *slog.Logger) (Migrated, error) {
	db, err := openDatabase(ctx, databaseURL)
	if err != nil {
		return Migrated{}, err
	}
	defer db.close()
	return migrate(ctx, db, orDiscard(logger))
}

func orDiscard(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return logger
}
