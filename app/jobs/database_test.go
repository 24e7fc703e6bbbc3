package jobs

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// TestReplicasStartingTogetherMigrateOnce: replicas that start at once on
// a new PostgreSQL database all start; each migration is applied by one.
func TestReplicasStartingTogetherMigrateOnce(t *testing.T) {
	db := backends[1].url(t)
	var wg sync.WaitGroup
	results := make([]Migrated, 4)
	errs := make([]error, len(results))
	for i := range results {
		wg.Go(func() { results[i], errs[i] = Migrate(context.Background(), db, nil) })
	}
	wg.Wait()
	var river, own []int
	for i, res := range results {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		river, own = append(river, res.River...), append(own, res.Own...)
	}
	slices.Sort(river)
	if len(river) == 0 || len(slices.Compact(slices.Clone(river))) != len(river) || !slices.Equal(own, []int{1, 2, 3, 4, 5}) {
		t.Errorf("River's migrations applied %v, composeguard's %v: want each once", river, own)
	}
	again, err := Migrate(context.Background(), db, nil)
	if err != nil || len(again.River)+len(again.Own) > 0 {
		t.Errorf("migrating a migrated database: %+v, %v; want nothing applied", again, err)
	}
}

// TestMigrateKeepsAnEarlierVersionsDatabase: a SQLite file whose tables an
// earlier version created, without recording a migration, keeps its
// deliveries.
func TestMigrateKeepsAnEarlierVersionsDatabase(t *testing.T) {
	db := testDatabase(t)
	q := openQueue(t, db, nil)
	enqueue(t, q, "d-1", pr)
	if _, err := q.db.exec(t.Context(), `DROP TABLE composeguard_migration`); err != nil {
		t.Fatal(err)
	}
	q.Close()
	if res, err := Migrate(t.Context(), db, nil); err != nil || !slices.Equal(res.Own, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("migrate: %+v, %v", res, err)
	}
	if got := enqueue(t, openQueue(t, db, nil), "d-1", pr); got != Duplicate {
		t.Errorf("a delivery recorded before the migration: %s, want duplicate", got)
	}
}
