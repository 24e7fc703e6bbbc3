package githubtest

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// SetLatency delays every response by d, as a distant API would.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

func (f *Fake) wait(ctx context.Context) {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
	if d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

// Fault is an error answer GitHub gives.
type Fault struct {
	Status           int
	Header           http.Header
	Message          string
	DocumentationURL string
}

// ServerError is a 500.
func ServerError() Fault {
	return Fault{Status: http.StatusInternalServerError, Message: "Server Error"}
}

// RateLimited is the primary rate limit: 403, no requests remaining until
// reset.
func RateLimited(reset time.Time) Fault {
	return Fault{Status: http.StatusForbidden, Message: "API rate limit exceeded for installation.",
		Header: http.Header{
			"X-Ratelimit-Limit":     {"5000"},
			"X-Ratelimit-Remaining": {"0"},
			"X-Ratelimit-Used":      {"5000"},
			"X-Ratelimit-Reset":     {strconv.FormatInt(reset.Unix(), 10)},
		}}
}

// SecondaryRateLimited is a 403 secondary rate limit with retry-after.
func SecondaryRateLimited(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusForbidden,
		Message:          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
		DocumentationURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
		Header:           http.Header{"Retry-After": {strconv.Itoa(int(retryAfter.Seconds()))}}}
}

// TooManyRequests is a 429 with retry-after.
func TooManyRequests(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, Message: "Too Many Requests",
		Header: http.Header{"Retry-After": {strconv.Itoa(int(retryAfter.Seconds()))}}}
}

type fault struct {
	method string
	path   *regexp.Regexp
	left   int
	Fault
}

// Fail answers the next n requests with method (any when "") whose path
// (without the Enterprise prefix) matches the regular expression path.
func (f *Fake) Fail(method, path string, n int, with Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{method: method, path: regexp.MustCompile(path), left: n, Fault: with})
}

// fault answers r with the first fault that matches it, if one does.
func (f *Fake) fault(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	var hit *fault
	for _, ft := range f.faults {
		if ft.left > 0 && (ft.method == "" || ft.method == r.Method) && ft.path.MatchString(r.URL.Path) {
			ft.left--
			hit = ft
			break
		}
	}
	f.mu.Unlock()
	if hit == nil {
		return false
	}
	f.answerFault(w, r, hit.Fault)
	return true
}

func (f *Fake) answerFault(w http.ResponseWriter, r *http.Request, hit Fault) {
	for k, v := range hit.Header {
		w.Header()[k] = v
	}
	body := map[string]string{"message": hit.Message, "documentation_url": hit.DocumentationURL}
	if body["documentation_url"] == "" {
		body["documentation_url"] = "https://docs.github.com/rest"
	}
	(&call{w: w, r: r}).json(hit.Status, body)
}
