package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "composeguard.db")
	q := openQueue(t, "sqlite://"+path, nil)
	enqueue(t, q, "d-1", pr)
	assertOwnerOnly(t, path)

	// A database an earlier version left readable by all is made owner-only.
	q.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	enqueue(t, openQueue(t, "sqlite://"+path, nil), "d-2", pr)
	assertOwnerOnly(t, path)
}

// assertOwnerOnly checks the database file and those SQLite keeps beside it.
func assertOwnerOnly(t *testing.T, path string) {
	t.Helper()
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(f), perm)
		}
	}
}

// TestReadyFailsWhenTheDiskIsFull fills the database to a page limit, as a
// full disk would, until deliveries fail.
func TestReadyFailsWhenTheDiskIsFull(t *testing.T) {
	q := openQueue(t, testDatabase(t), nil)
	ctx := context.Background()
	if err := q.Ready(ctx); err != nil {
		t.Fatalf("fresh database: %v", err)
	}
	var pages int
	if err := sqliteOf(q).QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// One connection: the limit holds for every statement of the queue.
	if _, err := sqliteOf(q).Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	var failed error
	for i := 0; failed == nil && i < 10000; i++ {
		req := pr
		req.HeadSHA = fmt.Sprintf("%040x", i)
		_, failed = q.Enqueue(ctx, Delivery{Forge: pr.Repo.Forge, ID: fmt.Sprint("d-", i), Event: fmt.Sprint("e-", i)}, req)
	}
	if failed == nil {
		t.Fatal("deliveries never failed")
	}
	q.probedAt = time.Time{} // as when the probe interval has passed
	if err := q.Ready(ctx); err == nil {
		t.Errorf("ready while deliveries fail with %q", failed)
	}
}

func TestHammeringReadinessDoesNotWriteEachTime(t *testing.T) {
	q := openQueue(t, testDatabase(t), nil)
	ctx := context.Background()
	changes := func() (n int) {
		if err := sqliteOf(q).QueryRow("SELECT total_changes()").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before, start := changes(), time.Now()
	for range 100 {
		if err := q.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Each probe inserts a row and deletes the previous one.
	probes := (changes() - before) / 2
	if allowed := int(time.Since(start)/probeInterval) + 1; probes > allowed {
		t.Errorf("100 readiness checks in %s wrote %d probes, want at most %d", time.Since(start), probes, allowed)
	}
}

func TestReadyFailsWhenTheDatabaseIsReadOnly(t *testing.T) {
	q := openQueue(t, testDatabase(t), nil)
	ctx := context.Background()
	if err := q.Ready(ctx); err != nil {
		t.Fatalf("fresh database: %v", err)
	}
	// One connection: every statement of the queue is now refused a write.
	if _, err := sqliteOf(q).Exec("PRAGMA query_only = ON"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Enqueue(ctx, Delivery{Forge: pr.Repo.Forge, ID: "d-1", Event: "e-1"}, pr); err == nil {
		t.Fatal("a delivery was recorded in a read-only database")
	}
	q.probedAt = time.Time{} // as when the probe interval has passed
	if err := q.Ready(ctx); err == nil {
		t.Error("ready while the database refuses writes")
	}
}

// sqliteOf is the queue's SQLite database, for what only SQLite has.
func sqliteOf(q *Queue) *sql.DB { return q.db.(*sqliteDB).db }
