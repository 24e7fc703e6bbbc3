package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request kinds reported by Client.Requests.
const (
	KindAuth   = "auth"   // /v2/ pings and token requests
	KindTags   = "tags"   // tag list pages
	KindDigest = "digest" // manifest HEAD (or GET fallback) for Digest
	KindSource = "source" // manifests and config blob for SourceURL
)

type opKey struct{}

// op tells the transport which Client call and repository a request serves.
type op struct {
	kind string
	repo string
}

func withOp(ctx context.Context, kind, repo string) context.Context {
	return context.WithValue(ctx, opKey{}, op{kind: kind, repo: repo})
}

// countingTransport sits under go-containerregistry's auth transports, so it
// sees every request sent, redirects included: it refuses plain HTTP to
// hosts the operator did not name, bounds every answer's body, counts
// requests, retries a 429/502/503/504 once after Retry-After (capped), and
// fails fast for hosts still answering 429.
type countingTransport struct {
	inner         http.RoundTripper
	destinations  *destinations
	maxRetryAfter time.Duration

	mu        sync.Mutex
	counts    map[string]map[string]int // repository → kind → requests
	throttled map[string]bool           // hosts that answered 429 twice
}

var retryable = map[int]bool{
	http.StatusTooManyRequests:    true,
	http.StatusBadGateway:         true,
	http.StatusServiceUnavailable: true,
	http.StatusGatewayTimeout:     true,
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.destinations.checkPlainHTTP(req.Context(), req.URL); err != nil {
		return nil, err
	}
	if t.isThrottled(req.URL.Host) {
		return nil, errThrottled
	}
	resp, err := t.send(req)
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if err != nil || !retryable[resp.StatusCode] || !replayable {
		return resp, err
	}
	wait := retryDelay(resp.Header.Get("Retry-After"), t.maxRetryAfter)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-req.Context().Done():
		return nil, req.Context().Err()
	case <-timer.C:
	}
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	resp, err = t.send(again)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.mu.Lock()
		t.throttled[req.URL.Host] = true
		t.mu.Unlock()
	}
	return resp, err
}

func (t *countingTransport) send(req *http.Request) (*http.Response, error) {
	o, _ := req.Context().Value(opKey{}).(op)
	kind := KindAuth
	p := req.URL.Path
	if strings.HasPrefix(p, "/v2/") && (strings.HasSuffix(p, "/tags/list") || strings.Contains(p, "/manifests/") || strings.Contains(p, "/blobs/")) {
		kind = o.kind
	}
	t.mu.Lock()
	if t.counts[o.repo] == nil {
		t.counts[o.repo] = map[string]int{}
	}
	t.counts[o.repo][kind]++
	t.mu.Unlock()
	resp, err := t.inner.RoundTrip(req)
	if err == nil {
		resp.Body = &boundedBody{ReadCloser: resp.Body, left: MaxResponseBytes}
	}
	return resp, err
}

// MaxResponseBytes bounds the body of every registry answer read: a tag list
// page, a manifest, an image config, a token. A page of the most tags an
// image may have (MaxTags, at most 128 characters each) takes under 1.5 MiB.
const MaxResponseBytes = 4 << 20

// TooLargeError is an answer beyond the bounds of a lookup: a body over
// MaxResponseBytes, more than MaxTags tags or MaxTagPages pages.
type TooLargeError struct{ What string }

func (e *TooLargeError) Error() string { return e.What }

// boundedBody fails the read that would go past its limit instead of
// truncating the answer silently.
type boundedBody struct {
	io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a larger one.
		var one [1]byte
		n, err := b.ReadCloser.Read(one[:])
		if n > 0 {
			return 0, &TooLargeError{What: fmt.Sprintf("an answer is larger than %d MiB, the most composeguard reads", MaxResponseBytes>>20)}
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

func (t *countingTransport) isThrottled(host string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.throttled[host]
}

// retryDelay reads Retry-After (seconds or HTTP date); without one it waits 1s.
func retryDelay(header string, limit time.Duration) time.Duration {
	wait := time.Second
	if s, err := strconv.Atoi(strings.TrimSpace(header)); err == nil {
		wait = time.Duration(s) * time.Second
	} else if at, err := http.ParseTime(header); err == nil {
		wait = time.Until(at)
	}
	return max(0, min(wait, limit))
}
