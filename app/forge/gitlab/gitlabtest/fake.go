// Package gitlabtest is an in-process fake of GitLab's REST API v4, as much
// of it as composeguard calls, behaving as GitLab does where it matters:
// PRIVATE-TOKEN authentication, projects known by id or escaped path,
// offset pagination with X-Next-Page and keyset pagination with Link,
// diff discussions refused (400) unless positioned on an added line of the
// merge request's diff by its diff refs, commit statuses following GitLab's
// state machine, and faults (409, 429, 5xx with Retry-After) on demand.
package gitlabtest

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/forgetest"
)

// apiPrefix is where GitLab serves the API.
const apiPrefix = "/api/v4"

// Fake is a GitLab instance; URL is its address, as GITLAB_URL takes it.
type Fake struct {
	URL string

	mu       sync.Mutex
	users    map[string]string // token → username
	projects []*Project
	log      []Request
	faults   []*fault
	latency  time.Duration
	lastID   int64
	mux      *http.ServeMux
}

// New starts a fake GitLab that stops when the test ends.
func New(t testing.TB) *Fake {
	f := &Fake{users: map[string]string{}}
	f.mux = f.routes()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *Fake) id() int64 {
	f.lastID++
	return f.lastID
}

// AddUser lets token act as username.
func (f *Fake) AddUser(token, username string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[token] = username
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string // escaped, under /api/v4
	Query  url.Values
	Body   []byte
	// Pattern is the route that answered, like "GET
	// /projects/{id}/merge_requests/{iid}"; "" when none did.
	Pattern string
	Status  int // 0 while the request is being answered
}

// Requests returns every request received so far, in order.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.log)
}

// Count is how many requests the route pattern answered.
func (f *Fake) Count(pattern string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Pattern == pattern {
			n++
		}
	}
	return n
}

// CheckOperations fails t for every request received that is no operation
// client-go calls (../shared/gitlab/operations.tsv beside the module's root,
// ":name" segments); it skips t when the list is absent.
func (f *Fake) CheckOperations(t testing.TB) {
	t.Helper()
	var requests [][2]string
	for _, r := range f.Requests() {
		requests = append(requests, [2]string{r.Method, strings.TrimPrefix(r.Path, apiPrefix)})
	}
	forgetest.Check(t, "gitlab", func(s string) bool { return strings.HasPrefix(s, ":") }, nil, requests)
}

// SetLatency delays every response by d, as a distant instance would.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// Fault is an error answer GitLab gives.
type Fault struct {
	Status  int
	Header  http.Header
	Message string
}

// TooManyRequests is GitLab's rate limit: 429 "Retry later" with
// Retry-After and the RateLimit-* headers
// (https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-headers),
// here gitlab.com's 2,000 authenticated API requests a minute.
func TooManyRequests(retryAfter time.Duration) Fault {
	reset := time.Now().Add(retryAfter)
	return Fault{Status: http.StatusTooManyRequests, Message: "Retry later",
		Header: http.Header{"Retry-After": {strconv.Itoa(int(retryAfter.Seconds()))},
			"Ratelimit-Limit": {"2000"}, "Ratelimit-Observed": {"2001"}, "Ratelimit-Remaining": {"0"},
			"Ratelimit-Reset": {strconv.FormatInt(reset.Unix(), 10)}, "Ratelimit-Resettime": {reset.UTC().Format(http.TimeFormat)}}}
}

// Conflict is the 409 parallel updates of one pipeline get.
func Conflict() Fault { return Fault{Status: http.StatusConflict, Message: "409 Conflict"} }

// ServerError is a 502 from GitLab's front.
func ServerError() Fault { return Fault{Status: http.StatusBadGateway, Message: "502 Bad Gateway"} }

type fault struct {
	method     string
	path       *regexp.Regexp
	skip, left int
	Fault
}

// Fail answers the next n requests with method (any when "") whose escaped
// path matches the regular expression path.
func (f *Fake) Fail(method, path string, n int, with Fault) { f.FailAfter(method, path, 0, n, with) }

// FailAfter lets skip such requests through, then fails the next n.
func (f *Fake) FailAfter(method, path string, skip, n int, with Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &fault{method: method, path: regexp.MustCompile(path), skip: skip, left: n, Fault: with})
}

func (f *Fake) fault(w http.ResponseWriter, r *http.Request) bool {
	f.mu.Lock()
	var hit *fault
	for _, ft := range f.faults {
		if ft.left > 0 && (ft.method == "" || ft.method == r.Method) && ft.path.MatchString(r.URL.EscapedPath()) {
			if ft.skip > 0 {
				ft.skip--
				continue
			}
			ft.left--
			hit = ft
			break
		}
	}
	f.mu.Unlock()
	if hit == nil {
		return false
	}
	for k, v := range hit.Header {
		w.Header()[k] = v
	}
	writeJSON(w, hit.Status, map[string]string{"message": hit.Message})
	return true
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	latency := f.latency
	f.mu.Unlock()
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
		}
	}
	_, pattern := f.mux.Handler(r)
	f.mu.Lock()
	i := len(f.log)
	f.log = append(f.log, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Body: body,
		Pattern: strings.Replace(pattern, apiPrefix, "", 1)})
	f.mu.Unlock()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	if !f.fault(rec, r) {
		f.mux.ServeHTTP(rec, r)
	}
	f.mu.Lock()
	f.log[i].Status = rec.status
	f.mu.Unlock()
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// call is one authenticated request, handled with the fake locked.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	f       *Fake
	user    string
	project *Project
}

func (c *call) json(status int, v any) { writeJSON(c.w, status, v) }

// fail answers as GitLab does: {"message": "404 Not Found"}.
func (c *call) fail(status int, message string) {
	c.json(status, map[string]string{"message": message})
}

// decode reads the JSON body client-go sends; false after a 400.
func (c *call) decode(v any) bool {
	if err := json.NewDecoder(c.r.Body).Decode(v); err != nil {
		c.fail(http.StatusBadRequest, "400 Bad request - body is not JSON")
		return false
	}
	return true
}

func (c *call) number(name string) (int64, bool) {
	n, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil {
		c.fail(http.StatusNotFound, "404 Not Found")
	}
	return n, err == nil
}

// handler authenticates the request and finds its project (by id, or by
// its path escaped into one segment).
func (f *Fake) handler(h func(*call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		c := &call{w: w, r: r, f: f}
		user, ok := f.users[r.Header.Get("PRIVATE-TOKEN")]
		if !ok || r.Header.Get("PRIVATE-TOKEN") == "" {
			c.fail(http.StatusUnauthorized, "401 Unauthorized")
			return
		}
		c.user = user
		if id := r.PathValue("id"); id != "" {
			for _, p := range f.projects {
				if strconv.FormatInt(p.ID, 10) == id || strings.EqualFold(p.Path, id) {
					c.project = p
				}
			}
			if c.project == nil {
				c.fail(http.StatusNotFound, "404 Project Not Found")
				return
			}
		}
		h(c)
	}
}

// Offset pagination as GitLab does it: 20 items a page unless per_page
// asks for up to 100, with X-Page, X-Per-Page, X-Total, X-Next-Page and a
// Link header (https://docs.gitlab.com/api/rest/#pagination).
const (
	defaultPerPage = 20
	maxPerPage     = 100
)

func perPage(q url.Values) int {
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		return defaultPerPage
	}
	return min(per, maxPerPage)
}

func page[T any](c *call, items []T) []T {
	q := c.r.URL.Query()
	per := perPage(q)
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	h := c.w.Header()
	h.Set("X-Page", strconv.Itoa(n))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Total", strconv.Itoa(len(items)))
	next := ""
	if n*per < len(items) {
		next = strconv.Itoa(n + 1)
		q.Set("page", next)
		h.Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", c.link(q)))
	}
	h.Set("X-Next-Page", next)
	start := min((n-1)*per, len(items))
	return items[start:min(start+per, len(items))]
}

func (c *call) link(q url.Values) string {
	u := url.URL{Scheme: "http", Host: c.r.Host, Path: c.r.URL.Path, RawPath: c.r.URL.RawPath, RawQuery: q.Encode()}
	return u.String()
}

// blobID is git's blob id of content.
func blobID(content string) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content)))
	return hex.EncodeToString(sum[:])
}
