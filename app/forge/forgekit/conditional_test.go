package forgekit

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// origin answers GET /etag with an ETag and GET /dated with only a
// Last-Modified, 304 when the request's validator matches; it records the
// validators each request carried.
func origin(t *testing.T, body *string) (*httptest.Server, *[]string) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, fmt.Sprintf("%s %s inm=%q ims=%q", r.Method, r.URL.Path, r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")))
		etag := `"` + r.Header.Get("Authorization") + "|" + *body + `"` // specific to the token, as GitHub's
		switch {
		case r.URL.Path == "/etag" && r.Header.Get("If-None-Match") == etag:
			w.WriteHeader(http.StatusNotModified)
			return
		case r.URL.Path == "/etag":
			w.Header().Set("ETag", etag)
		case r.URL.Path == "/dated" && r.Header.Get("If-Modified-Since") == "Mon, 07 Jan 2030 06:00:00 GMT" && *body == "v1":
			w.WriteHeader(http.StatusNotModified)
			return
		case r.URL.Path == "/dated":
			w.Header().Set("Last-Modified", "Mon, 07 Jan 2030 06:00:00 GMT")
		}
		w.Header().Set("X-Served", "full")
		_, _ = io.WriteString(w, *body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestRevalidation(t *testing.T) {
	body := "v1"
	srv, seen := origin(t, &body)
	token := "token a"
	client := &http.Client{Transport: NewRevalidation(1<<20, nil).Transport("installation 7",
		func(*http.Request) (string, error) { return token, nil },
		roundTripper(func(r *http.Request) (*http.Response, error) {
			r.Header.Set("Authorization", token) // as ghinstallation, below the revalidation
			return http.DefaultTransport.RoundTrip(r)
		}))}
	get := func(path string) string {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	for _, want := range []string{"200 v1", "200 v1"} {
		if got := get("/etag"); got != want {
			t.Errorf("GET /etag: %s, want %s", got, want)
		}
		if got := get("/dated"); got != want {
			t.Errorf("GET /dated: %s, want %s", got, want)
		}
	}
	body = "v2"
	if got := get("/etag"); got != "200 v2" {
		t.Errorf("GET /etag after a change: %s, want the new body", got)
	}
	token = "token b" // the hourly refresh
	if got := get("/etag"); got != "200 v2" {
		t.Errorf("GET /etag with a new token: %s", got)
	}
	body = "v1"
	if got := get("/dated"); got != "200 v1" {
		t.Errorf("GET /dated with a new token: %s", got)
	}
	want := []string{
		`GET /etag inm="" ims=""`,
		`GET /dated inm="" ims=""`,
		`GET /etag inm="\"token a|v1\"" ims=""`,
		`GET /dated inm="" ims="Mon, 07 Jan 2030 06:00:00 GMT"`,
		`GET /etag inm="\"token a|v1\"" ims=""`,
		// Another token's ETag cannot match: it is not sent.
		`GET /etag inm="" ims=""`,
		// A date matches whatever the token.
		`GET /dated inm="" ims="Mon, 07 Jan 2030 06:00:00 GMT"`,
	}
	if strings.Join(*seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(*seen, "\n"), strings.Join(want, "\n"))
	}
}

// TestRevalidationIsBounded: the least recently used answers go first, so
// the kept bodies stay within the limit.
func TestRevalidationIsBounded(t *testing.T) {
	v := NewRevalidation(100, nil)
	for i := range 10 {
		v.put(&answer{key: fmt.Sprint(i), body: make([]byte, 30)})
	}
	_, newest := v.kept.get("9")
	_, older := v.kept.get("6")
	if v.kept.size > 100 || len(v.kept.byKey) != 3 || !newest || older {
		t.Errorf("kept %d answers, %d bytes: want the 3 newest within 100", len(v.kept.byKey), v.kept.size)
	}
}

// TestRevalidationCountsHeaders: answers with small bodies but GitHub's
// kilobyte of headers stay within the limit too.
func TestRevalidationCountsHeaders(t *testing.T) {
	v := NewRevalidation(10<<10, nil)
	header := http.Header{"X-Github-Request-Id": {strings.Repeat("a", 1000)}}
	for i := range 100 {
		v.put(&answer{key: fmt.Sprintf("installation 7\x00\x00/repos/o/r/pulls/%d", i), etag: `"x"`, header: header, body: make([]byte, 30)})
	}
	held := 0
	for _, e := range v.kept.byKey {
		a := e.Value.(*lruEntry[*answer]).value
		held += len(a.key) + len(a.body) + len(a.header["X-Github-Request-Id"][0])
	}
	if held > 10<<10 || len(v.kept.byKey) == 0 {
		t.Errorf("%d answers hold %d bytes, over the limit of %d", len(v.kept.byKey), held, 10<<10)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
