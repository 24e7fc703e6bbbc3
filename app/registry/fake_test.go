package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Realistic tag sets: suffixes, v prefixes, date tags, prereleases, words.
var (
	postgresTags = []string{
		"9.6.24", "15.4-alpine3.19", "15.5-alpine3.19", "15.6-alpine3.20", "15.10", "15.10-alpine3.19",
		"16", "16.1-alpine3.19", "16.2-alpine3.20", "16.6", "16.6-alpine3.20", "16.6-alpine3.21",
		"17", "17-alpine", "17.2", "17.2-alpine", "17.2-alpine3.21", "17.2-bookworm",
		"18beta1", "18beta1-alpine", "18rc1", "alpine", "bookworm", "bullseye", "latest",
	}
	nginxTags = []string{
		"1.25", "1.25.5", "1.26", "1.26.0", "1.27", "1.27-alpine", "1.27.1", "1.27.1-alpine-slim",
		"1.27.1-perl", "alpine", "latest", "mainline", "mainline-alpine", "perl", "stable", "stable-alpine",
	}
	traefikTags = []string{
		"2.11.5", "3.2.1", "latest", "mimolette", "saintnectaire", "v2.11", "v2.11.3", "v2.11.4",
		"v3", "v3.0.0-beta5", "v3.0.0-rc1", "v3.2", "v3.2.0",
	}
	appTags = []string{
		"1.4.0", "20230329", "2024.06.01", "edge", "main", "pr-42", "sha-abc1234", "v1.2.3", "v1.3.0",
	}
)

// fake is one in-memory registry (go-containerregistry's pkg/registry) that
// tests serve behind any number of hosts and wrappers.
type fake struct {
	t      testing.TB
	reg    http.Handler
	seeder string // host:port of a plain server on reg, used only to push

	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	method, host, path string
	query              url.Values
	auth               string
}

func newFake(t testing.TB) *fake {
	f := &fake{t: t, reg: ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))}
	s := httptest.NewServer(f.reg)
	t.Cleanup(s.Close)
	f.seeder = strings.TrimPrefix(s.URL, "http://")
	return f
}

// record wraps h so the test can see what the client sent.
func (f *fake) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, seenRequest{r.Method, r.Host, r.URL.Path, r.URL.Query(), r.Header.Get("Authorization")})
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (f *fake) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.seen)
}

func (f *fake) count(method, pathSuffix string) int {
	n := 0
	for _, r := range f.requests() {
		if r.method == method && strings.HasSuffix(r.path, pathSuffix) {
			n++
		}
	}
	return n
}

func (f *fake) ref(repo, tag string) name.Reference {
	ref, err := name.ParseReference(f.seeder + "/" + repo + ":" + tag)
	if err != nil {
		f.t.Fatal(err)
	}
	return ref
}

// push stores img under every tag.
func (f *fake) push(repo string, img v1.Image, tags ...string) {
	f.t.Helper()
	if err := remote.Write(f.ref(repo, tags[0]), img); err != nil {
		f.t.Fatal(err)
	}
	f.tag(repo, img, tags[1:]...)
}

func (f *fake) pushIndex(repo string, idx v1.ImageIndex, tags ...string) {
	f.t.Helper()
	if err := remote.WriteIndex(f.ref(repo, tags[0]), idx); err != nil {
		f.t.Fatal(err)
	}
	f.tag(repo, idx, tags[1:]...)
}

func (f *fake) tag(repo string, t remote.Taggable, tags ...string) {
	f.t.Helper()
	for _, tag := range tags {
		if err := remote.Tag(f.ref(repo, tag).(name.Tag), t); err != nil {
			f.t.Fatal(err)
		}
	}
}

func image(t testing.TB, labels map[string]string) v1.Image {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if img, err = mutate.Config(img, v1.Config{Labels: labels}); err != nil {
		t.Fatal(err)
	}
	return img
}

// multiPlatform builds an index like buildx pushes: an attestation entry
// first, then arm64 and amd64 images with different source labels.
func multiPlatform(t testing.TB) (idx v1.ImageIndex, amd64 v1.Image) {
	amd64 = image(t, map[string]string{"org.opencontainers.image.source": "https://github.com/org/app"})
	arm64 := image(t, map[string]string{"org.opencontainers.image.source": "https://github.com/wrong/arm64"})
	attestation := image(t, nil)
	idx = mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: attestation, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}},
		mutate.IndexAddendum{Add: arm64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
		mutate.IndexAddendum{Add: amd64, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
	)
	return idx, amd64
}

// serve starts h as an HTTPS server (plain HTTP when insecure).
func serve(t testing.TB, h http.Handler, insecure bool) *httptest.Server {
	var s *httptest.Server
	if insecure {
		s = httptest.NewServer(h)
	} else {
		s = httptest.NewTLSServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

// route is a transport that dials each host name (no port) to its test
// server and refuses anything else, so tests never reach the internet.
func route(hosts map[string]*httptest.Server) http.RoundTripper {
	pool := x509.NewCertPool()
	for _, s := range hosts {
		if s.Certificate() != nil {
			pool.AddCert(s.Certificate())
		}
	}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			s, ok := hosts[host]
			if !ok {
				return nil, fmt.Errorf("test: no route to %s", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, s.Listener.Addr().String())
		},
		// httptest certificates are issued for example.com.
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com"},
	}
}

// paginate serves tag lists in pages of size with a relative Link header,
// ignoring the client's n the way capped registries do, and records each
// page's query.
func paginate(size int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/tags/list") {
			h.ServeHTTP(w, r)
			return
		}
		full := httptest.NewRecorder()
		inner := r.Clone(r.Context())
		inner.URL.RawQuery = ""
		h.ServeHTTP(full, inner)
		if full.Code != http.StatusOK {
			w.WriteHeader(full.Code)
			_, _ = w.Write(full.Body.Bytes())
			return
		}
		var list struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(full.Body.Bytes(), &list); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		tags := list.Tags
		if last := r.URL.Query().Get("last"); last != "" {
			i, found := slices.BinarySearch(tags, last)
			if found {
				i++
			}
			tags = tags[i:]
		}
		if len(tags) > size {
			tags = tags[:size]
			w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?n=%d&last=%s>; rel="next"`, list.Name, size, url.QueryEscape(tags[size-1])))
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"name": list.Name, "tags": tags})
	})
}

// basicAuth answers 401 with a Basic challenge unless a request carries the
// Authorization header want, and passes the others to h.
func basicAuth(want string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != want {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
