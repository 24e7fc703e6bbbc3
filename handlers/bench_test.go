package handlers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
)

// noReview completes every review at once, so the benchmark's queue works
// jobs on the same database as the handler, as a server does.
type noReview struct{}

func (noReview) Run(context.Context, forge.ReviewRequest) error           { return nil }
func (noReview) GiveUp(context.Context, forge.ReviewRequest, error) error { return nil }

// benchServer is the real server over loopback HTTP on SQLite in a temp dir.
func benchServer(b *testing.B) string {
	b.Helper()
	ctx := context.Background()
	queue, err := jobs.Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bench.db"), jobs.Options{Reviewer: noReview{}})
	if err != nil {
		b.Fatal(err)
	}
	if err := queue.Start(ctx); err != nil {
		b.Fatal(err)
	}
	e, err := New(Options{WebhookSecret: testSecret, AppID: testAppID, ReviewDrafts: true, Queue: queue,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(e)
	b.Cleanup(func() {
		srv.Close()
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		queue.Stop(stopCtx)
		queue.Close()
	})
	return srv.URL + "/webhooks/github"
}

// signedDelivery is delivery i: a push of a new head to the fixture's PR.
func signedDelivery(b testing.TB, url string, i int) *http.Request {
	body := fixture(b, "pull_request.opened.json", map[string]any{
		"action":                "synchronize",
		"pull_request.head.sha": fmt.Sprintf("%040x", i),
	})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", i))
	req.Header.Set("X-Hub-Signature-256", Sign(testSecret, body))
	return req
}

// ackLatency sends req and times it until the answer; it must be a 202.
func ackLatency(req *http.Request) (time.Duration, error) {
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	return time.Since(start), nil
}

// reportLatencies adds p50 and p99 in milliseconds to the results.
func reportLatencies(b *testing.B, latencies []time.Duration) {
	slices.Sort(latencies)
	at := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkWebhookAck sends deliveries one after another, as fast as the
// server acknowledges them.
func BenchmarkWebhookAck(b *testing.B) {
	url := benchServer(b)
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = signedDelivery(b, url, i)
	}
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for _, req := range reqs {
		took, err := ackLatency(req)
		if err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, took)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "acks/s")
	reportLatencies(b, latencies)
}

// BenchmarkWebhookAckAt100PerSecond sends deliveries at GitHub's pace in
// the target, 100 a second, each on time whether or not earlier
// ones were answered: run with -benchtime=500x for five seconds of load.
func BenchmarkWebhookAckAt100PerSecond(b *testing.B) {
	const interval = 10 * time.Millisecond
	url := benchServer(b)
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = signedDelivery(b, url, i)
	}
	latencies := make([]time.Duration, b.N)
	errs := make(chan error, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for i, req := range reqs {
		wg.Go(func() {
			took, err := ackLatency(req)
			if err != nil {
				errs <- err
			}
			latencies[i] = took
		})
		<-ticker.C
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	reportLatencies(b, latencies)
}
