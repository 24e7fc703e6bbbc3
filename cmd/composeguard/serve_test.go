package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/config"
	"github.com/composeguard/composeguard/app/cron"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/jobs"
	"github.com/composeguard/composeguard/app/jobs/jobstest"
	"github.com/composeguard/composeguard/app/review"
	"github.com/composeguard/composeguard/app/vulns"
	"github.com/composeguard/composeguard/handlers"
)

const (
	serveSecret = "serve-test-webhook-secret"
	serveToken  = "ghp_serve-test-token"
)

var openedPR = []byte(`{"action":"opened","number":5,` +
	`"pull_request":{"number":5,"draft":false,"head":{"sha":"0123abc"},"updated_at":"2026-03-02T10:00:00Z"},` +
	`"repository":{"name":"stack","owner":{"login":"acme"}}}`)

var openedRequest = forge.ReviewRequest{Repo: forge.Repo{Forge: forge.GitHub, Owner: "acme", Name: "stack"}, Number: 5, HeadSHA: "0123abc"}

// serveEnv configures a server whose GitHub is a fake that knows no
// repository: nothing leaves the machine.
func serveEnv(t *testing.T) map[string]string {
	fake := githubtest.New(t)
	fake.AllowToken(serveToken)
	return map[string]string{
		"COMPOSEGUARD_LISTEN":       "127.0.0.1:0",
		"COMPOSEGUARD_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "cg.db"),
		"GITHUB_API_URL":            fake.URL,
		"GITHUB_WEBHOOK_SECRET":     serveSecret,
		"GITHUB_TOKEN":              serveToken,
	}
}

// logBuffer collects the server's log lines while it runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// address waits for the "listening" log line and returns its URL.
func (b *logBuffer) address(t testing.TB) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for line := range strings.Lines(b.String()) {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
				return "http://" + entry.Addr
			}
		}
	}
	t.Fatalf("the server did not start:\n%s", b.String())
	return ""
}

// startServer runs the server until the test ends; stop ends it earlier
// and returns its exit code.
func startServer(t testing.TB, env map[string]string) (url string, logs *logBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &logBuffer{}
	exit := make(chan int, 1)
	go func() { exit <- runServer(ctx, nil, func(k string) string { return env[k] }, logs) }()
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() { cancel(); code = <-exit })
		return code
	}
	t.Cleanup(func() { stop() })
	return logs.address(t), logs, stop
}

func deliver(t *testing.T, url, deliveryID string, body []byte) int {
	t.Helper()
	return postDelivery(t, url, "pull_request", deliveryID, handlers.Sign([]byte(serveSecret), body), body)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServeAcknowledgesAndReports(t *testing.T) {
	url, logs, stop := startServer(t, serveEnv(t))

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, _ := get(t, url+path); code != http.StatusOK {
			t.Errorf("%s: %d", path, code)
		}
	}
	if code := deliver(t, url, "d-1", openedPR); code != http.StatusAccepted {
		t.Errorf("signed delivery: %d, want 202", code)
	}
	if code := deliver(t, url, "d-1", openedPR); code != http.StatusOK {
		t.Errorf("redelivery: %d, want 200", code)
	}
	_, metrics := get(t, url+"/metrics")
	if !strings.Contains(metrics, `composeguard_webhook_deliveries_total{event="pull_request",forge="github",outcome="queued"} 1`) ||
		!strings.Contains(metrics, "go_goroutines") {
		t.Errorf("/metrics:\n%s", metrics)
	}

	if code := stop(); code != 0 {
		t.Errorf("exit %d after shutdown, want 0", code)
	}
	out := logs.String()
	if strings.Contains(out, serveSecret) || strings.Contains(out, serveToken) {
		t.Errorf("the log shows a secret:\n%s", out)
	}
}

// recordingReviewer stands in for the review flow.
type recordingReviewer struct {
	delay   time.Duration
	mu      sync.Mutex
	done    []forge.ReviewRequest
	started chan struct{} // closed when the first review starts; may be nil
	once    sync.Once
}

func (r *recordingReviewer) Run(ctx context.Context, req forge.ReviewRequest) error {
	if r.started != nil {
		r.once.Do(func() { close(r.started) })
	}
	select {
	case <-time.After(r.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = append(r.done, req)
	return nil
}

func (r *recordingReviewer) GiveUp(context.Context, forge.ReviewRequest, error) error { return nil }

func (r *recordingReviewer) reviewed() []forge.ReviewRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]forge.ReviewRequest(nil), r.done...)
}

func withReviewer(t *testing.T, r jobs.Reviewer, err error) {
	saved := newReviewer
	newReviewer = func(config.Config, review.Forge, review.Store, *vulns.Scanner, *queueStore, *review.Metrics) (jobs.Reviewer, error) {
		return r, err
	}
	t.Cleanup(func() { newReviewer = saved })
}

func TestServeReviewsAndDrainsOnShutdown(t *testing.T) {
	reviewer := &recordingReviewer{delay: 300 * time.Millisecond, started: make(chan struct{})}
	withReviewer(t, reviewer, nil)
	url, _, stop := startServer(t, serveEnv(t))

	start := time.Now()
	if code := deliver(t, url, "d-1", openedPR); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Errorf("acknowledged after %s: the review must not run before the answer", took)
	}
	select {
	case <-reviewer.started:
	case <-time.After(20 * time.Second):
		t.Fatal("the review never started")
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	got := reviewer.reviewed()
	if len(got) == 1 {
		if !got[0].Opened {
			t.Error("the review of an opened pull request does not know it was just opened")
		}
		// The queue names its job; what the event carried is handlers' test.
		got[0].Job, got[0].Pull, got[0].Opened = 0, nil, false
	}
	if len(got) != 1 || got[0] != openedRequest {
		t.Errorf("reviewed %v, want the running review finished before exit", got)
	}
}

// TestServeOnPostgreSQL: the same server on PostgreSQL acknowledges,
// reviews and is ready; its log shows the database without the password
// (the local server's trust auth takes any).
func TestServeOnPostgreSQL(t *testing.T) {
	reviewer := &recordingReviewer{}
	withReviewer(t, reviewer, nil)
	env := serveEnv(t)
	const password = "pg-pass-7f3e"
	env["COMPOSEGUARD_DATABASE_URL"] = strings.Replace(jobstest.PostgresURL(t), "postgres@", "postgres:"+password+"@", 1)
	url, logs, stop := startServer(t, env)
	if code, body := get(t, url+"/readyz"); code != http.StatusOK {
		t.Errorf("readyz: %d %s", code, body)
	}
	if code := deliver(t, url, "d-1", openedPR); code != http.StatusAccepted {
		t.Fatalf("delivery: %d", code)
	}
	if code := deliver(t, url, "d-1", openedPR); code != http.StatusOK {
		t.Errorf("redelivery: %d, want 200", code)
	}
	for deadline := time.Now().Add(20 * time.Second); len(reviewer.reviewed()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the review never ran")
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if out := logs.String(); strings.Contains(out, password) || !strings.Contains(out, "postgres:xxxxx@127.0.0.1") {
		t.Errorf("the log should show the database without its password:\n%s", out)
	}
}

func TestServeFailsWhenTheReviewFlowCannotBeBuilt(t *testing.T) {
	withReviewer(t, nil, errors.New("GitHub App key refused"))
	env := serveEnv(t)
	var logs logBuffer
	if code := runServer(context.Background(), nil, func(k string) string { return env[k] }, &logs); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(logs.String(), "GitHub App key refused") {
		t.Errorf("the log should say why:\n%s", logs.String())
	}
}

func TestServeStopsOnSIGTERM(t *testing.T) {
	for k, v := range serveEnv(t) {
		t.Setenv(k, v)
	}
	logs := &logBuffer{}
	exit := make(chan int, 1)
	go func() { exit <- serve(nil, logs) }()
	url := logs.address(t)
	if code, _ := get(t, url+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz: %d", code)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d after SIGTERM, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not stop the server")
	}
}

// Image updates are scheduled on every forge that can list what the server
// may act on: GitHub with an App (a token has no installations), GitLab
// with its token.
func TestScheduledBumpsOnEachForge(t *testing.T) {
	schedule, err := cron.Parse("0 5 * * *")
	if err != nil {
		t.Fatal(err)
	}
	api, _ := url.Parse("https://api.github.com/")
	instance, _ := url.Parse("https://gitlab.example.com")
	githubToken := config.Config{WebhookSecret: "s", Token: "t", GitHubAPIURL: api, BumpSchedule: schedule}
	app := config.Config{WebhookSecret: "s", AppID: e2eAppID, PrivateKey: config.Secret(e2eKeyPEM()), GitHubAPIURL: api, BumpSchedule: schedule}
	withGitLab := func(c config.Config) config.Config {
		c.GitLabURL, c.GitLabToken, c.GitLabWebhookSecret = instance, "glpat-x", "s"
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  config.Config
		want []forge.Kind
	}{
		{"GitHub token", githubToken, nil},
		{"GitHub App", app, []forge.Kind{forge.GitHub}},
		{"GitLab and a GitHub token", withGitLab(githubToken), []forge.Kind{forge.GitLab}},
		{"GitLab and a GitHub App", withGitLab(app), []forge.Kind{forge.GitHub, forge.GitLab}},
	} {
		f, err := newReviewers(tc.cfg, nil, nil, nil, serverMetrics{}, slog.New(slog.DiscardHandler))
		opts := f.bump
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []forge.Kind
		if bumpers, ok := opts.Bumper.(jobs.BumpByForge); ok {
			got = slices.Sorted(maps.Keys(bumpers))
		}
		if !slices.Equal(got, tc.want) || (len(got) > 0) != (opts.Schedule == schedule) {
			t.Errorf("%s: image updates on %v (schedule %v), want %v on COMPOSEGUARD_BUMP_SCHEDULE", tc.name, got, opts.Schedule, tc.want)
		}
	}
}

func TestServeHasASoftMemoryLimit(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT sets the limit instead")
	}
	previous := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(previous) })
	url, _, _ := startServer(t, serveEnv(t))
	_, metrics := get(t, url+"/metrics")
	want := fmt.Sprintf("go_gc_gomemlimit_bytes %g\n", float64(serveMemoryLimit))
	if !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

func TestServeTrustsForwardedForOnlyFromItsProxies(t *testing.T) {
	for proxies, want := range map[string]string{"": "127.0.0.1", "127.0.0.1": "203.0.113.66"} {
		env := serveEnv(t)
		env["COMPOSEGUARD_TRUSTED_PROXIES"] = proxies
		url, logs, stop := startServer(t, env)
		req, err := http.NewRequest(http.MethodPost, url+"/webhooks/github", strings.NewReader(string(openedPR)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-Forwarded-For", "203.0.113.66")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		stop()
		if !strings.Contains(logs.String(), `"remote":"`+want+`"`) {
			t.Errorf("with COMPOSEGUARD_TRUSTED_PROXIES=%q the log should name %s:\n%s", proxies, want, logs)
		}
	}
}
