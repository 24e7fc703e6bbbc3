package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/composeguard/composeguard/app/jobs/jobstest"
)

// healthcheckRun runs `composeguard healthcheck` with env as its
// environment and returns its exit code and what it printed.
func healthcheckRun(env map[string]string, args ...string) (int, string) {
	var stderr bytes.Buffer
	code := healthcheck(args, func(k string) string { return env[k] }, &stderr)
	return code, stderr.String()
}

// oneLine fails unless out is one line naming each of want.
func oneLine(t *testing.T, out string, want ...string) {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("want one line, got %q", out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%q does not say %q", out, w)
		}
	}
}

func TestHealthcheckAgainstServe(t *testing.T) {
	base, _, stop := startServer(t, serveEnv(t))
	port := base[strings.LastIndex(base, ":")+1:]

	// As in deploy/compose.yaml: the container's COMPOSEGUARD_LISTEN says
	// where to ask.
	if code, out := healthcheckRun(map[string]string{"COMPOSEGUARD_LISTEN": ":" + port}); code != 0 || out != "" {
		t.Errorf("a ready server: exit %d, %q", code, out)
	}
	if code, out := healthcheckRun(nil, "--url", base+"/readyz"); code != 0 || out != "" {
		t.Errorf("--url of a ready server: exit %d, %q", code, out)
	}
	if code, out := healthcheckRun(nil, "--url", base+"/nowhere"); code != 1 {
		t.Errorf("a path serve does not answer: exit %d, %q", code, out)
	} else {
		oneLine(t, out, "404")
	}

	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	code, out := healthcheckRun(map[string]string{"COMPOSEGUARD_LISTEN": "0.0.0.0:" + port})
	if code != 1 {
		t.Errorf("a stopped server: exit %d", code)
	}
	oneLine(t, out, "http://127.0.0.1:"+port+"/readyz", "connection refused")
}

// TestHealthcheckOnPostgreSQL: a replica whose database lacks
// composeguard's migrations is not ready, and the healthcheck says so.
func TestHealthcheckOnPostgreSQL(t *testing.T) {
	env := serveEnv(t)
	env["COMPOSEGUARD_DATABASE_URL"] = jobstest.PostgresURL(t)
	base, _, _ := startServer(t, env)
	if code, out := healthcheckRun(nil, "--url", base+"/readyz"); code != 0 || out != "" {
		t.Errorf("a ready server: exit %d, %q", code, out)
	}

	db, err := pgx.Connect(t.Context(), env["COMPOSEGUARD_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(t.Context())
	if _, err := db.Exec(t.Context(), "DELETE FROM composeguard_migration"); err != nil {
		t.Fatal(err)
	}
	code, out := healthcheckRun(nil, "--url", base+"/readyz")
	if code != 1 {
		t.Errorf("a server whose database is not migrated: exit %d", code)
	}
	oneLine(t, out, "answered 503 Service Unavailable")
}

func TestHealthcheckNotReady(t *testing.T) {
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}))
	defer notReady.Close()
	code, out := healthcheckRun(nil, "--url", notReady.URL+"/readyz")
	if code != 1 {
		t.Errorf("503: exit %d", code)
	}
	oneLine(t, out, "answered 503 Service Unavailable")

	// Only the server's own 200 is ready, not one a redirect leads to.
	redirect := httptest.NewServer(http.RedirectHandler("/elsewhere", http.StatusFound))
	defer redirect.Close()
	code, out = healthcheckRun(nil, "--url", redirect.URL+"/readyz")
	if code != 1 {
		t.Errorf("a redirect: exit %d", code)
	}
	oneLine(t, out, "302 Found")

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	u, _ := url.Parse(slow.URL + "/readyz")
	err := probeReadiness(u, 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not answer within 50ms") {
		t.Errorf("a server that does not answer: %v", err)
	}
}

func TestHealthcheckBadSettings(t *testing.T) {
	// Docker reads exit code 2 as reserved: a bad setting is unhealthy, 1.
	code, out := healthcheckRun(map[string]string{"COMPOSEGUARD_LISTEN": "localhost"})
	if code != 1 {
		t.Errorf("COMPOSEGUARD_LISTEN without a port: exit %d", code)
	}
	oneLine(t, out, "COMPOSEGUARD_LISTEN", "host:port")

	code, out = healthcheckRun(nil, "--url", "ftp://127.0.0.1/readyz")
	if code != 1 {
		t.Errorf("an ftp URL: exit %d", code)
	}
	oneLine(t, out, "--url must be an http:// or https:// URL")

	if code, out = healthcheckRun(nil, "ready?"); code != 1 {
		t.Errorf("an argument: exit %d, %q", code, out)
	}

	// A password in --url is never echoed.
	code, out = healthcheckRun(nil, "--url", "http://probe:hunter2@127.0.0.1:1/readyz")
	if code != 1 || strings.Contains(out, "hunter2") {
		t.Errorf("unreachable URL with a password: exit %d, %q", code, out)
	}
	oneLine(t, out, "probe:xxxxx@127.0.0.1:1")
}

func TestHealthcheckDispatched(t *testing.T) {
	if code, _, stderr := cli(t, "", "healthcheck", "--url", "http://127.0.0.1:1/readyz"); code != 1 || !strings.Contains(stderr, "composeguard healthcheck:") {
		t.Errorf("composeguard healthcheck: exit %d, %q", code, stderr)
	}
}
