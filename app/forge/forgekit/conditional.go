package forgekit

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"io"
	"net/http"
)

// Revalidation keeps the last answer to each GET with its validators
// (ETag, Last-Modified) and asks again conditionally: an unchanged
// resource comes back 304 with no body, which GitHub does not count
// against the primary rate limit ("Best practices for using the REST
// API": use conditional requests), and the kept answer is served as a 200.
//
// GitHub's ETags are specific to the token that read them (GitHub support
// in eclipse-csi/otterdog#201; github/docs#34689): an ETag is sent back
// only with the credential it came with, and after an installation token's
// hourly refresh only If-Modified-Since can still match.
type Revalidation struct {
	skip func(*http.Request) bool
	kept *lru[*answer] // sized by size: compressed bodies, headers, keys
}

// maxRevalidatedBody is the largest body kept: a tree listing GitHub
// truncates is about 7 MB; larger answers are passed through unkept.
const maxRevalidatedBody = 8 << 20

type answer struct {
	key          string
	etag         string
	lastModified string
	credential   [sha256.Size]byte // of the credential the ETag came with
	header       http.Header
	body         []byte // gzip: the JSON kept shrinks about tenfold
}

// NewRevalidation keeps answers within limit bytes, compressed; the least
// recently used go first. Requests skip reports (file contents cached by
// their hash elsewhere) are neither kept nor revalidated; nil skips none.
func NewRevalidation(limit int64, skip func(*http.Request) bool) *Revalidation {
	if skip == nil {
		skip = func(*http.Request) bool { return false }
	}
	return &Revalidation{skip: skip, kept: newLRU[*answer](limit)}
}

// Transport revalidates the GETs next carries. scope names whose answers
// they are (an installation): answers are never shared across scopes.
// credential is the credential next sends a request with (an installation
// token, refreshed hourly); nil when next sends the request's own
// Authorization header.
func (v *Revalidation) Transport(scope string, credential func(*http.Request) (string, error), next http.RoundTripper) http.RoundTripper {
	if credential == nil {
		credential = func(r *http.Request) (string, error) { return r.Header.Get("Authorization"), nil }
	}
	return &revalidating{v: v, scope: scope, credential: credential, next: next}
}

type revalidating struct {
	v          *Revalidation
	scope      string
	credential func(*http.Request) (string, error)
	next       http.RoundTripper
}

func (t *revalidating) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet || r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" || t.v.skip(r) {
		return t.next.RoundTrip(r)
	}
	key := t.scope + "\x00" + r.Header.Get("Accept") + "\x00" + r.URL.String()
	cred, err := t.credential(r)
	if err != nil {
		return nil, err
	}
	credential := sha256.Sum256([]byte(cred))
	kept, _ := t.v.kept.get(key)
	if kept != nil {
		r = r.Clone(r.Context())
		switch {
		case kept.etag != "" && kept.credential == credential:
			r.Header.Set("If-None-Match", kept.etag)
		case kept.lastModified != "":
			r.Header.Set("If-Modified-Since", kept.lastModified)
		}
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && kept != nil:
		return kept.serve(resp)
	case resp.StatusCode != http.StatusOK:
		return resp, nil
	}
	etag, lastModified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" && lastModified == "" || resp.ContentLength > maxRevalidatedBody {
		t.v.kept.drop(key)
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRevalidatedBody+1))
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if len(body) > maxRevalidatedBody {
		t.v.kept.drop(key)
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	t.v.put(&answer{key: key, etag: etag, lastModified: lastModified, credential: credential,
		header: resp.Header.Clone(), body: compress(body)})
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// serve answers a 304 with the kept 200: its headers, updated with the
// 304's (the rate limit, the date), and its body.
func (a *answer) serve(notModified *http.Response) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, notModified.Body)
	notModified.Body.Close()
	body, err := decompress(a.body)
	if err != nil {
		return nil, err
	}
	header := a.header.Clone()
	for k, vs := range notModified.Header {
		if k != "Content-Length" && k != "Content-Type" && k != "Content-Encoding" {
			header[k] = vs
		}
	}
	resp := *notModified
	resp.StatusCode, resp.Status = http.StatusOK, "200 OK"
	resp.Header = header
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return &resp, nil
}

func (v *Revalidation) put(a *answer) { v.kept.put(a.key, a, a.size()) }

// size is what an answer holds in memory, about: its key and headers count
// as well as its body, or many small answers (a 304-sized body, GitHub's
// kilobyte of headers) would hold many times the limit.
func (a *answer) size() int64 {
	n := len(a.key) + len(a.etag) + len(a.lastModified) + len(a.body)
	for k, vs := range a.header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return int64(n)
}

func compress(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func decompress(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
