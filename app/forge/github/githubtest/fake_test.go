package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	jwt "github.com/golang-jwt/jwt/v4"
)

func do(t *testing.T, f *Fake, method, path, auth, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAppJWTRules(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := New(t)
	f.SetApp(12, &key.PublicKey)
	f.AddRepo("acme", "stack", 5)
	now := time.Now()
	sign := func(k *rsa.PrivateKey, iss string, iat, exp time.Time) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{Issuer: iss,
			IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(exp)}).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + s
	}
	for name, tc := range map[string]struct {
		auth, path string
		status     int
	}{
		"good":              {sign(key, "12", now.Add(-30*time.Second), now.Add(time.Minute)), "/app/installations/5/access_tokens", 201},
		"other key":         {sign(other, "12", now, now.Add(time.Minute)), "/app/installations/5/access_tokens", 401},
		"other app":         {sign(key, "13", now, now.Add(time.Minute)), "/app/installations/5/access_tokens", 401},
		"expired":           {sign(key, "12", now.Add(-5*time.Minute), now.Add(-time.Minute)), "/app/installations/5/access_tokens", 401},
		"lives too long":    {sign(key, "12", now, now.Add(11*time.Minute)), "/app/installations/5/access_tokens", 401},
		"no such install":   {sign(key, "12", now, now.Add(time.Minute)), "/app/installations/6/access_tokens", 404},
		"JWT on a repo API": {sign(key, "12", now, now.Add(time.Minute)), "/repos/acme/stack/pulls/1", 401},
	} {
		method := http.MethodPost
		if strings.HasPrefix(tc.path, "/repos") {
			method = http.MethodGet
		}
		if resp, body := do(t, f, method, tc.path, tc.auth, ""); resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", name, resp.StatusCode, body, tc.status)
		}
	}
	if n := f.TokensIssued(5); n != 1 {
		t.Errorf("%d tokens issued, want 1", n)
	}
}

func TestAnnotationLimit(t *testing.T) {
	f := New(t)
	f.AllowToken("t")
	r := f.AddRepo("acme", "stack", 0)
	sha := r.Commit(nil)
	annotations := func(n int) string {
		var a []string
		for i := range n {
			a = append(a, fmt.Sprintf(`{"path":"a","start_line":%d,"end_line":%d,"annotation_level":"warning","message":"m"}`, i+1, i+1))
		}
		return `{"name":"x","head_sha":"` + sha + `","output":{"title":"t","summary":"s","annotations":[` + strings.Join(a, ",") + `]}}`
	}
	if resp, body := do(t, f, "POST", "/repos/acme/stack/check-runs", "token t", annotations(51)); resp.StatusCode != 422 {
		t.Errorf("51 annotations: %d %s, want 422", resp.StatusCode, body)
	}
	if resp, body := do(t, f, "POST", "/repos/acme/stack/check-runs", "token t", annotations(50)); resp.StatusCode != 201 {
		t.Errorf("50 annotations: %d %s, want 201", resp.StatusCode, body)
	}
	if runs := r.CheckRuns(); len(runs) != 1 || len(runs[0].Annotations) != 50 {
		t.Errorf("runs = %+v", runs)
	}
}

func TestPaginationLinks(t *testing.T) {
	f := New(t)
	f.AllowToken("t")
	r := f.AddRepo("acme", "stack", 0)
	r.AddPull(Pull{Number: 1, Base: r.Commit(nil), Head: r.Commit(nil)})
	for i := range 65 {
		r.AddIssueComment(1, "alice", strconv.Itoa(i))
	}
	resp, _ := do(t, f, "GET", "/api/v3/repos/acme/stack/issues/1/comments?page=2", "token t", "")
	link := resp.Header.Get("Link")
	for _, want := range []string{`/api/v3/repos/acme/stack/issues/1/comments?page=3>; rel="next"`, `page=3>; rel="last"`, `page=1>; rel="first"`, `page=1>; rel="prev"`} {
		if !strings.Contains(link, want) {
			t.Errorf("Link %q lacks %q", link, want)
		}
	}
	if resp, _ := do(t, f, "GET", "/repos/acme/stack/issues/1/comments?per_page=500", "token t", ""); resp.Header.Get("Link") != "" {
		t.Errorf("per_page=500 is capped at 100, yet 65 items span pages: %s", resp.Header.Get("Link"))
	}
}

// failures records a TB's errors instead of failing.
type failures struct {
	testing.TB
	errors []string
}

func (r *failures) Helper() {}
func (r *failures) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestCheckOperationsCatchesMadeUpCalls(t *testing.T) {
	f := New(t)
	f.AllowToken("t")
	f.AddRepo("acme", "stack", 0)
	do(t, f, "GET", "/repos/acme/stack/pulls/1/files", "token t", "")
	do(t, f, "GET", "/repos/acme/stack/pulls/1/everything", "token t", "")
	rec := &failures{TB: t}
	f.CheckOperations(rec)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "/pulls/1/everything") {
		t.Errorf("CheckOperations reported %q, want the made-up call alone", rec.errors)
	}
}

// TestCheckRunFilters: like GitHub, a commit's list shows only the newest
// run of each name unless filter=all, and narrows by name and status.
func TestCheckRunFilters(t *testing.T) {
	f := New(t)
	f.AllowToken("t")
	r := f.AddRepo("acme", "stack", 0)
	sha := r.Commit(map[string]string{"a": "1"})
	for _, run := range []string{
		`{"name":"composeguard","head_sha":"` + sha + `","status":"in_progress"}`,
		`{"name":"composeguard","head_sha":"` + sha + `","conclusion":"success"}`,
		`{"name":"lint","head_sha":"` + sha + `","status":"in_progress"}`,
	} {
		if resp, body := do(t, f, "POST", "/repos/acme/stack/check-runs", "token t", run); resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
	}
	for query, want := range map[string]string{
		"":                                    `"total_count":2`,
		"?filter=all":                         `"total_count":3`,
		"?filter=all&check_name=composeguard": `"total_count":2`,
		"?filter=all&status=in_progress":      `"total_count":2`,
		"?check_name=composeguard":            `"total_count":1`,
	} {
		resp, body := do(t, f, "GET", "/repos/acme/stack/commits/"+sha+"/check-runs"+query, "token t", "")
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("%q: %d %s, want %s", query, resp.StatusCode, body, want)
		}
	}
	if resp, _ := do(t, f, "GET", "/repos/acme/stack/commits/"+sha+"/check-runs?filter=newest", "token t", ""); resp.StatusCode != 422 {
		t.Errorf("unknown filter: %d, want 422", resp.StatusCode)
	}
}

// TestGraphQLAsGitHub: credentials first, then GitHub's answers for bad
// documents and pagination, each a 200 with errors.
func TestGraphQLAsGitHub(t *testing.T) {
	f := New(t)
	f.AllowToken("t")
	r := f.AddRepo("acme", "stack", 0)
	r.AddPull(Pull{Number: 1, Base: r.Commit(nil), Head: r.Commit(nil)})
	query := func(q string) string { return `{"query":` + strconv.Quote(q) + `,"variables":{"n":1}}` }
	if resp, _ := do(t, f, "POST", "/graphql", "", query(`{ repository(owner: "acme", name: "stack") { id } }`)); resp.StatusCode != 401 {
		t.Errorf("no credentials: %d, want 401", resp.StatusCode)
	}
	for q, want := range map[string]string{
		`query($n: Int!) { repository(owner: "acme", name: "stack") { pullRequest(number: $n) { reviewThreads(first: 10) { totalCount } } } }`:  `"totalCount":0`,
		`query($n: Int!) { repository(owner: "acme", name: "stack") { pullRequest(number: $n) { reviewThreads { totalCount } } } }`:             "You must provide a `first` or `last` value",
		`query($n: Int!) { repository(owner: "acme", name: "stack") { pullRequest(number: $n) { reviewThreads(first: 101) { totalCount } } } }`: "exceeds the `first` limit of 100 records",
		`query($n: Int!) { repository(owner: "acme", name: "other") { pullRequest(number: $n) { id } } }`:                                       `"type":"NOT_FOUND"`,
		`query($n: Int!) { repository(owner: "acme", name: "stack") { pullRequest(number: $n) { everything } } }`:                               `Cannot query field \"everything\" on type \"PullRequest\"`,
	} {
		resp, body := do(t, f, "POST", "/api/graphql", "bearer t", query(q))
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s, want %s", q, resp.StatusCode, body, want)
		}
	}
	rec := &failures{TB: t}
	f.CheckOperations(rec)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], `"everything"`) {
		t.Errorf("CheckOperations reported %q, want the document naming a field GitHub lacks, alone", rec.errors)
	}
}

// TestConditionalRequestsAndRateLimit: a GET's ETag, sent back by the
// token that read it, is answered 304 without a body and without counting;
// another token's is not; an installation out of requests is refused
// until its reset.
func TestConditionalRequestsAndRateLimit(t *testing.T) {
	f := New(t)
	f.AddRepo("acme", "stack", 5)
	f.AllowToken("other")
	f.mu.Lock()
	f.grants["ghs_installation"] = grant{installation: 5, login: AppLogin}
	f.mu.Unlock()
	get := func(auth, etag string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", f.URL+"/repos/acme/stack/pulls", nil)
		req.Header.Set("Authorization", auth)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := get("token ghs_installation", "")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" || first.Header.Get("X-Ratelimit-Remaining") != "4999" || f.RateLimitUsed(5) != 1 {
		t.Fatalf("first read: %d, ETag %q, remaining %s", first.StatusCode, etag, first.Header.Get("X-Ratelimit-Remaining"))
	}
	again := get("token ghs_installation", etag)
	if again.StatusCode != 304 || again.ContentLength > 0 || again.Header.Get("X-Ratelimit-Remaining") != "4999" || f.RateLimitUsed(5) != 1 {
		t.Errorf("read again with its ETag: %d, %d bytes, remaining %s; want 304, empty, not counted", again.StatusCode, again.ContentLength, again.Header.Get("X-Ratelimit-Remaining"))
	}
	if other := get("token other", etag); other.StatusCode != 200 {
		t.Errorf("another token's ETag: %d, want 200", other.StatusCode)
	}

	reset := time.Now().Add(time.Hour)
	f.SetRateLimitRemaining(5, 1, reset)
	if resp := get("token ghs_installation", ""); resp.StatusCode != 200 || resp.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Errorf("the last request: %d, remaining %s", resp.StatusCode, resp.Header.Get("X-Ratelimit-Remaining"))
	}
	resp := get("token ghs_installation", "")
	if resp.StatusCode != 403 || resp.Header.Get("X-Ratelimit-Reset") != strconv.FormatInt(reset.Unix(), 10) {
		t.Errorf("past the limit: %d, reset %s; want 403 until %d", resp.StatusCode, resp.Header.Get("X-Ratelimit-Reset"), reset.Unix())
	}
}
