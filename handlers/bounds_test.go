package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldBody is a body of n zero bytes that stops before its last byte
// until release is closed, so a server that reads bodies holds them.
type heldBody struct {
	n, read int64
	held    func() // called once, at the last byte
	release <-chan struct{}
	once    sync.Once
}

func (b *heldBody) Read(p []byte) (int, error) {
	if b.read == b.n-1 {
		b.once.Do(b.held)
		<-b.release
	}
	if b.read >= b.n {
		return 0, io.EOF
	}
	n := min(int64(len(p)), b.n-1-b.read)
	if n == 0 {
		n = 1
	}
	clear(p[:n])
	b.read += n
	return int(n), nil
}

// answer is how the server answered one post of a flood.
type answer struct {
	status     int
	retryAfter string
}

// flood posts n unsigned bodies of size bytes at once, each held before its
// last byte, and returns how much the live heap grew while they were held,
// and the answers once they were let go. It waits for answeredEarly posts
// to be answered before measuring.
func flood(t *testing.T, url string, n int, size int64, answeredEarly int) (grew uint64, answers []answer) {
	t.Helper()
	baseline := liveHeap()
	release := make(chan struct{})
	var waiting sync.WaitGroup // each post, until it is answered or held
	var answered atomic.Int64
	answers = make([]answer, n)
	var done sync.WaitGroup
	for i := range n {
		waiting.Add(1)
		done.Add(1)
		var signal sync.Once
		ready := func() { signal.Do(waiting.Done) }
		go func() {
			defer done.Done()
			defer ready()
			req, err := http.NewRequest(http.MethodPost, url, &heldBody{n: size, held: ready, release: release})
			if err != nil {
				t.Error(err)
				return
			}
			req.ContentLength = size
			req.Header.Set("X-GitHub-Event", "pull_request")
			req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return // the server may close before the client has sent all
			}
			resp.Body.Close()
			answers[i] = answer{resp.StatusCode, resp.Header.Get("Retry-After")}
			answered.Add(1)
		}()
	}
	waiting.Wait()
	// The server may still be reading what the sockets buffered.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && answered.Load() < int64(answeredEarly); {
		time.Sleep(10 * time.Millisecond)
	}
	for range 10 {
		if now := liveHeap(); now > baseline {
			grew = max(grew, now-baseline)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(release)
	done.Wait()
	return grew, answers
}

// liveHeap is the heap still reachable after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func count(answers []answer, status int) int {
	n := 0
	for _, a := range answers {
		if a.status == status {
			n++
		}
	}
	return n
}

func TestTenConcurrentUnsigned25MBPostsHoldNoMemory(t *testing.T) {
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s.e)
	defer srv.Close()
	grew, answers := flood(t, srv.URL+"/webhooks/github", 10, 25<<20, 10)
	t.Logf("live heap grew %d KiB", grew>>10)
	if grew > 8<<20 {
		t.Errorf("ten unsigned 25 MB posts grew the live heap by %d MiB, want under 8 MiB", grew>>20)
	}
	if got := count(answers, http.StatusRequestEntityTooLarge); got != 10 {
		t.Errorf("answers %v, want ten 413", answers)
	}
}

func TestManyConcurrentUnsignedPostsAtTheLimitHoldFewBodies(t *testing.T) {
	const posts, slots = 5 * DefaultUnverifiedBodies, DefaultUnverifiedBodies
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s.e)
	defer srv.Close()
	grew, answers := flood(t, srv.URL+"/webhooks/github", posts, MaxWebhookBody, posts-slots)
	t.Logf("live heap grew %d KiB", grew>>10)
	// The bodies being read, and some room for the rest.
	if bound := uint64(slots*MaxWebhookBody + 8<<20); grew > bound {
		t.Errorf("%d unsigned posts of %d MiB grew the live heap by %d MiB, want under %d MiB",
			posts, MaxWebhookBody>>20, grew>>20, bound>>20)
	}
	if got := count(answers, http.StatusServiceUnavailable); got != posts-slots {
		t.Errorf("%d answered 503, want %d (answers %v)", got, posts-slots, answers)
	}
	for _, a := range answers {
		if a.status == http.StatusServiceUnavailable && a.retryAfter == "" {
			t.Error("a 503 without Retry-After")
			break
		}
	}
	if got := count(answers, http.StatusUnauthorized); got != slots {
		t.Errorf("%d answered 401, want %d", got, slots)
	}
	// Every place is free again.
	if rec := s.deliver("pull_request", "d-1", fixture(t, "pull_request.opened.json", nil)); rec.Code != http.StatusAccepted {
		t.Errorf("a signed delivery after the flood: %d, want 202", rec.Code)
	}
}

// TestBurstOfSignedDeliveriesIsAcknowledged sends twice as many deliveries at
// once as bodies are read at once: each waits its turn, none is refused.
func TestBurstOfSignedDeliveriesIsAcknowledged(t *testing.T) {
	s := newTestServer(t, nil)
	srv := httptest.NewServer(s.e)
	defer srv.Close()
	const burst = 2 * DefaultUnverifiedBodies
	errs := make(chan error, burst)
	for i := range burst {
		req := signedDelivery(t, srv.URL+"/webhooks/github", i)
		go func() {
			_, err := ackLatency(req)
			errs <- err
		}()
	}
	for range burst {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := s.queued(t); len(got) != burst {
		t.Errorf("%d reviews queued, want %d", len(got), burst)
	}
}

// logLine is the one log entry of a delivery.
func logLine(t *testing.T, logs *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &entry); err != nil {
		t.Fatal(err)
	}
	return entry
}

func TestUnsignedHugeDeliveryIDIsNotLoggedWhole(t *testing.T) {
	s := newTestServer(t, nil)
	body := fixture(t, "pull_request.opened.json", nil)
	s.post(body, map[string]string{"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": strings.Repeat("A", 16<<10)})
	if n := len(s.logs.String()); n > 1<<10 {
		t.Errorf("an unsigned request wrote a %d-byte log line", n)
	}
	id, _ := logLine(t, s.logs)["delivery"].(string)
	if len(id) > 100 {
		t.Errorf("logged delivery id of %d bytes", len(id))
	}
}

func TestForgedForwardedForIsNotLoggedAsTheClient(t *testing.T) {
	body := fixture(t, "pull_request.opened.json", nil)
	headers := map[string]string{"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1",
		"X-Forwarded-For": "203.0.113.66, 198.51.100.7", "X-Real-IP": "203.0.113.67"}
	// httptest's requests come from 192.0.2.1.
	tests := []struct {
		name    string
		proxies string
		want    string
	}{
		{"no proxy trusted", "", "192.0.2.1"},
		{"another proxy trusted", "10.0.0.0/8", "192.0.2.1"},
		{"the peer a trusted proxy", "192.0.2.0/24", "198.51.100.7"},
		{"both proxies trusted", "192.0.2.1/32,198.51.100.0/24", "203.0.113.66"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var proxies []*net.IPNet
			for _, cidr := range strings.Split(tt.proxies, ",") {
				if cidr == "" {
					continue
				}
				_, n, err := net.ParseCIDR(cidr)
				if err != nil {
					t.Fatal(err)
				}
				proxies = append(proxies, n)
			}
			s := newTestServer(t, func(o *Options) { o.TrustedProxies = proxies })
			s.post(body, headers)
			if got := logLine(t, s.logs)["remote"]; got != tt.want {
				t.Errorf("logged client %v, want %s", got, tt.want)
			}
		})
	}
}

func TestForgedEventNamesDoNotGrowMetricsOrLogs(t *testing.T) {
	s := newTestServer(t, nil)
	// A signed body of an event that is not reviewed, replayed under made
	// up event names: the headers are not signed.
	body := fixture(t, "installation.created.json", nil)
	for i := range 50 {
		s.deliver(fmt.Sprintf("%s%d", strings.Repeat("x", 1000), i), fmt.Sprint("d-", i), body)
	}
	if rec := s.get("/metrics"); strings.Contains(rec.Body.String(), "xxxxxxxx") {
		t.Errorf("/metrics shows forged event names (%d bytes)", rec.Body.Len())
	}
	if strings.Contains(s.logs.String(), "xxxxxxxx") {
		t.Errorf("the log shows forged event names (%d bytes)", s.logs.Len())
	}
}

func TestSignedDeliveryWithAMalformedIDIsRefused(t *testing.T) {
	s := newTestServer(t, nil)
	body := fixture(t, "pull_request.opened.json", nil)
	for _, id := range []string{strings.Repeat("a", 65), "d 1", "d-1\u0000"} {
		if rec := s.deliver("pull_request", id, body); rec.Code != http.StatusBadRequest {
			t.Errorf("delivery id %q: %d, want 400", id, rec.Code)
		}
	}
	if jobs := s.queued(t); len(jobs) != 0 {
		t.Errorf("queued %v", jobs)
	}
}
