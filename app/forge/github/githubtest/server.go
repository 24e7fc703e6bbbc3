package githubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// enterprisePrefix is where a GitHub Enterprise Server serves the REST API;
// its GraphQL API is at enterpriseGraphQL.
const (
	enterprisePrefix  = "/api/v3"
	enterpriseGraphQL = "/api/graphql"
)

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string // without the Enterprise prefix; "/graphql" for GraphQL
	Query  url.Values
	Body   []byte
	// Pattern is the route that answered, like "GET
	// /repos/{owner}/{repo}/pulls/{pull_number}"; "/" when none did.
	Pattern string
	Status  int // 0 while the request is being answered
}

// Requests returns every request received so far, in order.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.log...)
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

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix := ""
	if p, ok := strings.CutPrefix(r.URL.Path, enterprisePrefix+"/"); ok {
		prefix, r.URL.Path, r.URL.RawPath = enterprisePrefix, "/"+p, ""
	}
	if r.URL.Path == enterpriseGraphQL {
		prefix, r.URL.Path, r.URL.RawPath = "/api", "/graphql", ""
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r = r.WithContext(context.WithValue(r.Context(), prefixKey{}, prefix))
	f.wait(r.Context())

	// Logged on arrival, so the log keeps the client's order.
	_, pattern := f.mux.Handler(r)
	f.mu.Lock()
	i := len(f.log)
	f.log = append(f.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, Pattern: pattern})
	f.mu.Unlock()

	quota, limited := f.spend(r)
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	switch {
	case limited:
		f.answerFault(rec, r, RateLimited(quota.reset))
	case !f.fault(rec, r):
		f.mux.ServeHTTP(rec, r)
	}
	rec.revalidate(r)
	if quota != nil && !limited {
		f.count(quota, rec)
	}
	rec.send(w)
	f.mu.Lock()
	f.log[i].Status = rec.status
	f.mu.Unlock()
}

type prefixKey struct{}

// recorder holds an answer until the rate limit and conditional request
// are applied to it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func (r *recorder) send(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

func (f *Fake) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /app/installations/{installation_id}/access_tokens", f.createToken)
	m.HandleFunc("POST /graphql", f.graphQL)
	m.HandleFunc("GET /user", f.getUser)
	m.HandleFunc("POST /app-manifests/{code}/conversions", f.convertManifest)
	for pattern, h := range map[string]func(*call){
		"GET /repos/{owner}/{repo}/pulls/{pull_number}":             getPull,
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files":       listFiles,
		"GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls":      listPullsAtCommit,
		"GET /repos/{owner}/{repo}/git/trees/{tree_sha}":            getTree,
		"GET /repos/{owner}/{repo}/git/blobs/{file_sha}":            getBlob,
		"POST /repos/{owner}/{repo}/check-runs":                     createCheckRun,
		"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}":     updateCheckRun,
		"GET /repos/{owner}/{repo}/commits/{ref}/check-runs":        listCheckRuns,
		"POST /repos/{owner}/{repo}/statuses/{sha}":                 createStatus,
		"GET /repos/{owner}/{repo}/commits/{ref}/statuses":          listStatuses,
		"POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews":    createReview,
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/comments":    listReviewComments,
		"GET /repos/{owner}/{repo}/issues/{issue_number}/comments":  listIssueComments,
		"POST /repos/{owner}/{repo}/issues/{issue_number}/comments": createIssueComment,
		"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}":  editIssueComment,
	} {
		m.HandleFunc(pattern, f.repoHandler(h))
	}
	f.bumpRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		(&call{w: w, r: r}).fail(http.StatusNotFound, "Not Found")
	})
	return m
}

// call is one request to a repository's route, handled with the fake locked.
type call struct {
	w    http.ResponseWriter
	r    *http.Request
	f    *Fake
	repo *Repo
	user string
	// personal is set for a personal access token (AllowPersonalToken).
	personal bool
}

func (f *Fake) repoHandler(h func(*call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		c := &call{w: w, r: r, f: f}
		g, ok := f.authorize(r)
		if !ok {
			c.fail(http.StatusUnauthorized, "Bad credentials")
			return
		}
		repo := f.repos[strings.ToLower(r.PathValue("owner")+"/"+r.PathValue("repo"))]
		// GitHub hides repositories a token cannot reach.
		if repo == nil || g.installation != 0 && repo.installation != g.installation {
			c.fail(http.StatusNotFound, "Not Found")
			return
		}
		c.repo, c.user, c.personal = repo, g.login, g.personal
		h(c)
	}
}

func (c *call) json(status int, v any) {
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(status)
	_ = json.NewEncoder(c.w).Encode(v)
}

// fail answers as GitHub does: a message, and details in errors.
func (c *call) fail(status int, message string, details ...any) {
	body := map[string]any{"message": message, "documentation_url": "https://docs.github.com/rest"}
	if len(details) > 0 {
		body["errors"] = details
	}
	c.json(status, body)
}

// invalid answers 422 with one error about field.
func (c *call) invalid(resource, field, message string) {
	c.fail(http.StatusUnprocessableEntity, "Validation Failed",
		map[string]string{"resource": resource, "field": field, "code": "custom", "message": message})
}

// number reads a numeric path value; false (after a 404) when it is not one.
func (c *call) number(name string) (int64, bool) {
	n, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil {
		c.fail(http.StatusNotFound, "Not Found")
	}
	return n, err == nil
}

// decode reads the JSON body; false (after a 400) when it is not JSON.
func (c *call) decode(v any) bool {
	if err := json.NewDecoder(c.r.Body).Decode(v); err != nil {
		c.fail(http.StatusBadRequest, "Problems parsing JSON")
		return false
	}
	return true
}

// pull finds the pull request named by the path; false after a 404.
func (c *call) pull(name string) (*Pull, bool) {
	n, ok := c.number(name)
	if !ok {
		return nil, false
	}
	p := c.repo.pulls[int(n)]
	if p == nil {
		c.fail(http.StatusNotFound, "Not Found")
	}
	return p, p != nil
}

// Pagination as GitHub does it: 30 items a page unless per_page asks for up
// to 100, and a Link header with next, last, first and prev
// (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

func page[T any](c *call, items []T) []T {
	q := c.r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = defaultPerPage
	}
	per = min(per, maxPerPage)
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	last := max(1, (len(items)+per-1)/per)
	link := func(p int, rel string) string {
		q.Set("page", strconv.Itoa(p))
		u := url.URL{Scheme: "http", Host: c.r.Host, Path: c.r.Context().Value(prefixKey{}).(string) + c.r.URL.Path, RawQuery: q.Encode()}
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if n < last {
		links = append(links, link(n+1, "next"), link(last, "last"))
	}
	if n > 1 {
		links = append(links, link(1, "first"), link(min(n-1, last), "prev"))
	}
	if len(links) > 0 {
		c.w.Header().Set("Link", strings.Join(links, ", "))
	}
	start := min((n-1)*per, len(items))
	return items[start:min(start+per, len(items))]
}
