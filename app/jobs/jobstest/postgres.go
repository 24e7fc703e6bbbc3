// Package jobstest gives tests a PostgreSQL database of their own: a fresh
// schema on the server the machine runs, dropped when the test ends.
package jobstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerEnv names the server the tests use, as a postgres:// URL; the
// default is the local one, trust auth.
const ServerEnv = "COMPOSEGUARD_TEST_POSTGRES_URL"

// RequireEnv, set to 1 (as .ci/run does), fails the tests that need
// PostgreSQL when it is unreachable instead of skipping them.
const RequireEnv = "COMPOSEGUARD_REQUIRE_POSTGRES"

const defaultServer = "postgres://postgres@127.0.0.1:5432/test"

func server() string {
	if u := os.Getenv(ServerEnv); u != "" {
		return u
	}
	return defaultServer
}

// reachable connects once per test binary: an absent server costs one
// timeout, not one per test.
var reachable = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, server())
	if err != nil {
		return err
	}
	return c.Close(ctx)
})

// PostgresURL creates a schema of the test's own and returns the server's
// URL with search_path set to it, so parallel tests and packages never see
// each other's tables. The test is skipped, with the reason, when the
// server is unreachable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	if err := reachable(); err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("PostgreSQL unreachable at %s (%s=1 requires it): %v", redacted(), RequireEnv, err)
		}
		t.Skipf("PostgreSQL unreachable at %s, PostgreSQL tests skipped (set %s to another server): %v", redacted(), ServerEnv, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "cg_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	admin := func(stmt string) {
		t.Helper()
		c, err := pgx.Connect(ctx, server())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	admin("CREATE SCHEMA " + schema)
	t.Cleanup(func() { admin("DROP SCHEMA " + schema + " CASCADE") })

	u, err := url.Parse(server())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// redacted is the server's URL without its password.
func redacted() string {
	if u, err := url.Parse(server()); err == nil {
		return u.Redacted()
	}
	return ServerEnv
}
