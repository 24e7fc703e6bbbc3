package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteParams: wait for a lock rather than fail at once (another process,
// such as the sqlite3 shell, may hold it), write-ahead logging for
// concurrent readers, and write transactions that take the lock when they
// begin so they never fail half-way upgrading it.
const sqliteParams = "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"

// openSQLite opens the database file, creating it and its folder.
func openSQLite(ctx context.Context, path string) (*sqliteDB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("database folder: %w", err)
	}
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("database file: %w", err)
	}
	db, err := sql.Open("sqlite", path+sqliteParams)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// SQLite runs one writer at a time; River and the webhook handler
	// share one connection instead of failing with SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return &sqliteDB{sqlConn: sqlConn{db}, db: db}, nil
}

// ownerOnly creates the database file readable by its owner alone, and
// takes other users' access away from one an earlier version created: it
// names the repositories and pull requests reviewed. SQLite gives the -wal
// and -shm files it creates the database file's mode.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return err
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(name, perm&^0o077); err != nil {
				return err
			}
		}
	}
	return nil
}

// sqliteDB is a database file: one process uses it at a time, by
// construction (the server runs as one container with its volume).
type sqliteDB struct {
	sqlConn
	db     *sql.DB
	client *river.Client[*sql.Tx]
}

func (s *sqliteDB) newClient(cfg *river.Config) (riverClient, error) {
	client, err := river.NewClient(riversqlite.New(s.db), cfg)
	s.client = client
	return client, err
}

func (s *sqliteDB) newMigrator(logger *slog.Logger) (migrator, error) {
	return rivermigrate.New(riversqlite.New(s.db), &rivermigrate.Config{Logger: logger})
}

func (s *sqliteDB) inTx(ctx context.Context, fn func(tx conn, insert inserter) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	insert := func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
		return s.client.InsertTx(ctx, tx, args, opts)
	}
	if err := fn(sqlConn{tx}, insert); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *sqliteDB) ping(ctx context.Context) error { return s.db.PingContext(ctx) }
func (s *sqliteDB) close() error                   { return s.db.Close() }

// lockMigrations has nothing to do: transactions take the database's write
// lock when they begin (_txlock=immediate), so each migration is applied
// whole or not at all, and one process runs at a time.
func (s *sqliteDB) lockMigrations(context.Context) (func(), error) { return func() {}, nil }

func (s *sqliteDB) columnTypes() (timestamp, blob string) { return "TIMESTAMP", "BLOB" }

// timeValue is UTC text in the layout River stores times in, which sorts
// with CURRENT_TIMESTAMP's (the same without milliseconds).
func (s *sqliteDB) timeValue(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05.000") }

func (s *sqliteDB) shared() bool { return false }

func (s *sqliteDB) countInterruption() string {
	return `metadata = jsonb_set(metadata, '$.interrupted', COALESCE(metadata->>'$.interrupted', 0) + 1)`
}

// sqlConn runs queries through database/sql.
type sqlConn struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
}

func (c sqlConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c sqlConn) queryRow(ctx context.Context, query string, args ...any) row {
	return c.q.QueryRowContext(ctx, query, args...)
}

func (c sqlConn) queryEach(ctx context.Context, query string, each func(row) error, args ...any) error {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, each)
}
