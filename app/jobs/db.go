package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteParams: wait for a lock rather than fail at once (another process,
// such as the sqlite3 shell, may hold it), write-ahead logging for
// concurrent readers, and write transactions that take the lock when they
// begin so they never fail half-way upgrading it.
const sqliteParams = "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"

// openSQLite opens the database file, creating it and its folder.
func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
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
	return db, nil
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

// schema is the project's own tables, next to River's.
var schema = []string{
	// Each acknowledged delivery, so a redelivery does nothing.
	`CREATE TABLE IF NOT EXISTS deliveries (
		provider    TEXT NOT NULL,
		delivery_id TEXT NOT NULL,
		received_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, delivery_id)
	)`,
	// Each event acknowledged, by the identity its signed body gives it
	// (Delivery.Event), so a replay under a new delivery id does nothing.
	`CREATE TABLE IF NOT EXISTS delivered_events (
		provider    TEXT NOT NULL,
		event       TEXT NOT NULL,
		received_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, event)
	)`,
	// The pull request of each head seen: check events for a fork's
	// commits carry no pull request, so the re-run button finds it here.
	`CREATE TABLE IF NOT EXISTS pull_heads (
		provider    TEXT NOT NULL,
		repo        TEXT NOT NULL,
		head_sha    TEXT NOT NULL,
		number      INTEGER NOT NULL,
		recorded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
		PRIMARY KEY (provider, repo, head_sha)
	)`,
	// What the readiness probe writes (Queue.Ready): row 1 when it last
	// succeeded; the room it asks for is never written.
	`CREATE TABLE IF NOT EXISTS readiness_probe (
		id        INTEGER PRIMARY KEY,
		probed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
		room      BLOB
	)`,
}

func createSchema(ctx context.Context, db *sql.DB) error {
	for _, stmt := range schema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	return nil
}
