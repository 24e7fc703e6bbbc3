package handlers

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
)

var testSecret = []byte("it's a secret to everybody")

const testAppID = 12345

// testServer is the real echo server on a real queue in a temp dir. The
// queue runs no jobs, so the jobs a delivery queued stay to be counted.
type testServer struct {
	e     *echo.Echo
	queue *jobs.Queue
	db    *sql.DB // a second connection, to look at the jobs
	logs  *bytes.Buffer
}

func newTestServer(t testing.TB, edit func(*Options)) *testServer {
	t.Helper()
	return newTestServerWith(t, nil, edit)
}

// newReviewingTestServer is a test server whose queue completes every
// review at once, as a server's does.
func newReviewingTestServer(t testing.TB, edit func(*Options)) *testServer {
	t.Helper()
	return newTestServerWith(t, noReview{}, edit)
}

func newTestServerWith(t testing.TB, reviewer jobs.Reviewer, edit func(*Options)) *testServer {
	t.Helper()
	return newTestServerWithQueue(t, jobs.Options{Reviewer: reviewer}, edit)
}

// newTestServerWithQueue is a test server on a queue opened with opts.
func newTestServerWithQueue(t testing.TB, queueOpts jobs.Options, edit func(*Options)) *testServer {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "composeguard.db")
	queue, err := jobs.Open(ctx, "sqlite://"+path, queueOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		queue.Stop(stopCtx)
		queue.Close()
	})
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	logs := &bytes.Buffer{}
	opts := Options{
		WebhookSecret: testSecret,
		AppID:         testAppID,
		ReviewDrafts:  true,
		Queue:         queue,
		Registry:      prometheus.NewRegistry(),
		Logger:        slog.New(slog.NewJSONHandler(logs, nil)),
	}
	if edit != nil {
		edit(&opts)
	}
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{e: e, queue: queue, db: db, logs: logs}
}

// deliver sends body as GitHub does, signed with the test secret.
func (s *testServer) deliver(event, deliveryID string, body []byte) *httptest.ResponseRecorder {
	return s.post(body, map[string]string{
		"X-GitHub-Event":      event,
		"X-GitHub-Delivery":   deliveryID,
		"X-Hub-Signature-256": Sign(testSecret, body),
	})
}

func (s *testServer) post(body []byte, headers map[string]string) *httptest.ResponseRecorder {
	return s.postTo("/webhooks/github", body, headers)
}

func (s *testServer) postTo(route string, body []byte, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, route, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/test")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return s.do(req)
}

func (s *testServer) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

func (s *testServer) get(path string) *httptest.ResponseRecorder {
	return s.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// queued lists the review jobs in the database.
func (s *testServer) queuedAll(t testing.TB) []forge.ReviewRequest {
	t.Helper()
	rows, err := s.db.Query(`SELECT json(args) FROM river_job WHERE kind = 'review' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var reqs []forge.ReviewRequest
	for rows.Next() {
		var args []byte
		if err := rows.Scan(&args); err != nil {
			t.Fatal(err)
		}
		var job jobs.ReviewArgs
		if err := json.Unmarshal(args, &job); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, job.ReviewRequest)
	}
	return reqs
}

// queued lists the jobs' requests by what identifies them (repository,
// number and head); queuedAll has what they carry besides.
func (s *testServer) queued(t testing.TB) []forge.ReviewRequest {
	t.Helper()
	reqs := s.queuedAll(t)
	for i := range reqs {
		reqs[i].Pull, reqs[i].Opened = nil, false
	}
	return reqs
}

// reviewsDone waits until no review job waits or runs.
func (s *testServer) reviewsDone(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var pending int
		if err := s.db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'review' AND state != 'completed'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reviews still waiting", pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fixture reads testdata/name and sets the dotted paths of edits in it.
func fixture(t testing.TB, name string, edits map[string]any) []byte {
	t.Helper()
	return edited(t, filepath.Join("testdata", name), edits)
}

// gitlabPayload reads a real GitLab merge request event of
// ../shared/gitlab/payloads, skipping t when it is absent, and sets the
// dotted paths of edits in it.
func gitlabPayload(t testing.TB, name string, edits map[string]any) []byte {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "gitlab", "payloads", name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("GitLab's payloads are absent: %v", err)
	}
	return edited(t, path, edits)
}

func edited(t testing.TB, path string, edits map[string]any) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) == 0 {
		return data
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for path, value := range edits {
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = value
	}
	data, err = json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sizedReader is a body of n bytes that is made as it is read and says
// how much was read.
type sizedReader struct {
	n, read int64
}

func (r *sizedReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.n-r.read)
	clear(p[:n])
	r.read += n
	return int(n), nil
}
