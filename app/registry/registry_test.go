package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

func newClient(t testing.TB, opts Options) *Client {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hub serves h as Docker Hub and GHCR over HTTPS.
func hub(t testing.TB, h http.Handler) http.RoundTripper {
	s := serve(t, h, false)
	return route(map[string]*httptest.Server{"index.docker.io": s, "ghcr.io": s})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func wantCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Errorf("%s requests = %v, want %v", what, got, want)
	}
}

// failed checks that err is a *LookupError of the given kind, matching
// ErrUnknown, and returns it.
func failed(t *testing.T, err error, want Failure) *LookupError {
	t.Helper()
	if !errors.Is(err, ErrUnknown) {
		t.Fatalf("err = %v, want one matching ErrUnknown", err)
	}
	var le *LookupError
	if !errors.As(err, &le) {
		t.Fatalf("err = %T, want *LookupError", err)
	}
	if le.Failure != want {
		t.Errorf("%v: failure %d, want %d", err, le.Failure, want)
	}
	return le
}

func unavailable(t *testing.T, err error) *LookupError {
	t.Helper()
	return failed(t, err, Unavailable)
}

func TestTagsRealisticSets(t *testing.T) {
	f := newFake(t)
	img := image(t, nil)
	sets := map[string][]string{
		"docker.io/library/postgres": postgresTags,
		"docker.io/library/nginx":    nginxTags,
		"docker.io/library/traefik":  traefikTags,
		"ghcr.io/org/app":            appTags,
	}
	for repo, tags := range sets {
		f.push(strings.TrimPrefix(strings.TrimPrefix(repo, "docker.io/"), "ghcr.io/"), img, tags...)
	}
	c := newClient(t, Options{Transport: hub(t, f.record(f.reg))})

	for repo, want := range sets {
		got, err := c.Tags(context.Background(), repo)
		if err != nil {
			t.Fatalf("%s: %v", repo, err)
		}
		if !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%s tags = %v, want %v", repo, got, want)
		}
		wantCounts(t, repo, c.RequestsFor(repo), map[string]int{KindAuth: 1, KindTags: 1})
	}
	// go-containerregistry asks for pages of 1000 (ECR's maximum).
	for _, r := range f.requests() {
		if strings.HasSuffix(r.path, "/tags/list") && r.query.Get("n") != "1000" {
			t.Errorf("tag list query = %v, want n=1000", r.query)
		}
	}
}

func TestTagsFollowsLinkPagination(t *testing.T) {
	f := newFake(t)
	f.push("library/postgres", image(t, nil), postgresTags...)
	c := newClient(t, Options{Transport: hub(t, f.record(paginate(7, f.reg)))})

	got, err := c.Tags(context.Background(), "docker.io/library/postgres")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, sorted(postgresTags)) {
		t.Errorf("tags = %v\nwant %v", got, sorted(postgresTags))
	}
	var queries []string
	for _, r := range f.requests() {
		if strings.HasSuffix(r.path, "/tags/list") {
			queries = append(queries, r.query.Encode())
		}
	}
	// 25 tags in pages of 7: the first query is the client's, the rest are
	// the server's Link targets, followed verbatim.
	want := []string{"n=1000", "last=16.1-alpine3.19&n=7", "last=17.2&n=7", "last=9.6.24&n=7"}
	if !slices.Equal(queries, want) {
		t.Errorf("tag list queries = %q, want %q", queries, want)
	}
	wantCounts(t, "total", c.Requests(), map[string]int{KindAuth: 1, KindTags: 4})
}

func TestTagsThousandConcurrentCallersShareOneListing(t *testing.T) {
	f := newFake(t)
	f.push("library/postgres", image(t, nil), postgresTags...)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/tags/list") {
			time.Sleep(20 * time.Millisecond) // keep the listing in flight while callers pile up
		}
		paginate(7, f.reg).ServeHTTP(w, r)
	})
	c := newClient(t, Options{Transport: hub(t, f.record(slow))})

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for range 1000 {
		wg.Go(func() {
			got, err := c.Tags(context.Background(), "docker.io/library/postgres")
			if err == nil && len(got) != len(postgresTags) {
				err = fmt.Errorf("got %d tags", len(got))
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := f.count(http.MethodGet, "/tags/list"); n != 4 {
		t.Errorf("server saw %d tag list pages, want one sequence of 4", n)
	}
	wantCounts(t, "total", c.Requests(), map[string]int{KindAuth: 1, KindTags: 4})
}

// The target: one tag listing per image per run however many
// references use it, and at most one more request per image for a digest.
func TestRequestBudgetForAThousandReferences(t *testing.T) {
	f := newFake(t)
	img := image(t, nil)
	idx, _ := multiPlatform(t)
	f.push("library/postgres", img, postgresTags...)
	f.pushIndex("library/nginx", idx, nginxTags...)
	f.push("library/traefik", img, traefikTags...)
	f.pushIndex("org/app", idx, appTags...)
	c := newClient(t, Options{Transport: hub(t, f.record(f.reg))})

	newest := map[string]string{
		"docker.io/library/postgres": "17.2",
		"docker.io/library/nginx":    "1.27.1",
		"docker.io/library/traefik":  "v3.2.0",
		"ghcr.io/org/app":            "1.4.0",
	}
	repos := slices.Sorted(maps.Keys(newest))
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 1000 {
		repo := repos[i%len(repos)]
		wg.Go(func() {
			if _, err := c.Tags(context.Background(), repo); err != nil {
				failed.Add(1)
			}
			if _, err := c.Digest(context.Background(), repo, newest[repo]); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d lookups failed", failed.Load())
	}
	for _, repo := range repos {
		wantCounts(t, repo, c.RequestsFor(repo), map[string]int{KindAuth: 1, KindTags: 1, KindDigest: 1})
	}
	t.Logf("1000 references over %d images: %v requests", len(repos), c.Requests())
}

func TestDigestOfMultiPlatformImageIsTheIndexDigest(t *testing.T) {
	f := newFake(t)
	idx, amd64 := multiPlatform(t)
	single := image(t, nil)
	f.pushIndex("library/postgres", idx, "17.2", "17")
	f.push("library/postgres", single, "16.6")
	c := newClient(t, Options{Transport: hub(t, f.record(f.reg))})
	ctx := context.Background()

	wantIdx, _ := idx.Digest()
	amdDigest, _ := amd64.Digest()
	for range 50 {
		got, err := c.Digest(ctx, "docker.io/library/postgres", "17.2")
		if err != nil {
			t.Fatal(err)
		}
		if got != wantIdx.String() {
			t.Fatalf("digest = %s, want index %s (amd64 image is %s)", got, wantIdx, amdDigest)
		}
	}
	if head, get := f.count(http.MethodHead, "/manifests/17.2"), f.count(http.MethodGet, "/manifests/17.2"); head != 1 || get != 0 {
		t.Errorf("manifest requests: %d HEAD, %d GET; want 1 HEAD", head, get)
	}
	got, err := c.Digest(ctx, "docker.io/library/postgres", "16.6")
	wantSingle, _ := single.Digest()
	if err != nil || got != wantSingle.String() {
		t.Errorf("single-platform digest = %s, %v; want %s", got, err, wantSingle)
	}
	wantCounts(t, "total", c.Requests(), map[string]int{KindAuth: 1, KindDigest: 2})

	_, err = c.Digest(ctx, "docker.io/library/postgres", "99")
	if le := failed(t, err, NotFound); le.StatusCode != http.StatusNotFound ||
		le.Error() != "not found: docker.io/library/postgres:99 (check the tag; the registry has no such tag)" {
		t.Errorf("missing tag: %d %q", le.StatusCode, le)
	}
}

func TestDigestFallsBackToGETWithoutDigestHeader(t *testing.T) {
	f := newFake(t)
	idx, _ := multiPlatform(t)
	f.pushIndex("org/app", idx, "v1.3.0")
	// Some registries answer HEAD without Docker-Content-Digest.
	noHeader := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		f.reg.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Docker-Content-Digest" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
	c := newClient(t, Options{Transport: hub(t, f.record(noHeader))})

	got, err := c.Digest(context.Background(), "ghcr.io/org/app", "v1.3.0")
	want, _ := idx.Digest()
	if err != nil || got != want.String() {
		t.Fatalf("digest = %s, %v; want %s", got, err, want)
	}
	if head, get := f.count(http.MethodHead, "/manifests/v1.3.0"), f.count(http.MethodGet, "/manifests/v1.3.0"); head != 1 || get != 1 {
		t.Errorf("manifest requests: %d HEAD, %d GET; want 1 each", head, get)
	}
}

func TestSourceURL(t *testing.T) {
	f := newFake(t)
	idx, _ := multiPlatform(t)
	f.pushIndex("org/app", idx, "v1.3.0")
	annotated := mutate.Annotations(idx, map[string]string{"org.opencontainers.image.source": "https://github.com/org/annotated"}).(v1.ImageIndex)
	f.pushIndex("org/app", annotated, "1.4.0")
	f.push("org/app", image(t, map[string]string{"org.label-schema.vcs-url": "https://github.com/org/old-style"}), "v1.2.3")
	f.push("org/app", image(t, nil), "edge")
	c := newClient(t, Options{Transport: hub(t, f.record(f.reg))})
	ctx := context.Background()

	for _, tc := range []struct {
		tag, want string
		requests  int
	}{
		{"v1.3.0", "https://github.com/org/app", 3},       // index, linux/amd64 manifest, its config
		{"1.4.0", "https://github.com/org/annotated", 1},  // index annotation: nothing more to fetch
		{"v1.2.3", "https://github.com/org/old-style", 2}, // manifest, config
		{"edge", "", 2},
	} {
		before := c.Requests()[KindSource]
		got, err := c.SourceURL(ctx, "ghcr.io/org/app", tc.tag)
		if err != nil || got != tc.want {
			t.Errorf("SourceURL(%s) = %q, %v; want %q", tc.tag, got, err, tc.want)
		}
		if n := c.Requests()[KindSource] - before; n != tc.requests {
			t.Errorf("SourceURL(%s) sent %d requests, want %d", tc.tag, n, tc.requests)
		}
		if again, _ := c.SourceURL(ctx, "ghcr.io/org/app", tc.tag); again != got {
			t.Errorf("cached SourceURL(%s) = %q", tc.tag, again)
		}
	}
	// The GET behind SourceURL already gave the digest.
	got, err := c.Digest(ctx, "ghcr.io/org/app", "v1.3.0")
	want, _ := idx.Digest()
	if err != nil || got != want.String() {
		t.Errorf("digest = %s, %v; want %s", got, err, want)
	}
	if n := c.Requests()[KindDigest]; n != 0 {
		t.Errorf("Digest after SourceURL sent %d requests, want 0", n)
	}
}

func TestSourceURLWithoutLinuxAmd64(t *testing.T) {
	f := newFake(t)
	arm := image(t, map[string]string{"org.opencontainers.image.source": "https://github.com/org/arm"})
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	f.pushIndex("org/app", idx, "arm")
	c := newClient(t, Options{Transport: hub(t, f.reg)})
	got, err := c.SourceURL(context.Background(), "ghcr.io/org/app", "arm")
	if err != nil || got != "https://github.com/org/arm" {
		t.Errorf("SourceURL = %q, %v", got, err)
	}
}

func TestRegistryFailuresAreUnknown(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, fail http.HandlerFunc, opts Options) (*fake, *Client) {
		f := newFake(t)
		f.push("library/postgres", image(t, nil), postgresTags...)
		f.push("library/nginx", image(t, nil), nginxTags...)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v2/" {
				fail(w, r)
			}
			if w.(interface{ Status() int }).Status() == 0 {
				f.reg.ServeHTTP(w, r)
			}
		})
		opts.Transport = hub(t, f.record(statusRecorder(h)))
		return f, newClient(t, opts)
	}

	t.Run("a missing repository is not found; Docker Hub's 401 for one is denied with a hint", func(t *testing.T) {
		_, c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/library/postgress/") {
				// What Docker Hub answers for a repository that does not exist.
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			}
		}, Options{})
		_, err := c.Tags(ctx, "docker.io/library/ngimx")
		if le := failed(t, err, NotFound); le.Error() != "not found: docker.io/library/ngimx (check the name; the registry has no such repository)" {
			t.Errorf("NAME_UNKNOWN: %q", le)
		}
		_, err = c.Tags(ctx, "docker.io/library/postgress")
		if le := failed(t, err, Denied); !strings.Contains(le.Error(), "credentials needed? set COMPOSEGUARD_REGISTRY_AUTH_FILE") ||
			!strings.Contains(le.Error(), "Docker Hub answers the same for a repository that does not exist") {
			t.Errorf("Docker Hub 401: %q", le)
		}
	})

	t.Run("403 is denied", func(t *testing.T) {
		_, c := setup(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }, Options{})
		_, err := c.Digest(ctx, "docker.io/library/postgres", "17.2")
		if le := failed(t, err, Denied); le.StatusCode != 403 || !strings.HasPrefix(le.Error(), "denied: docker.io/library/postgres:17.2 (HTTP 403;") {
			t.Errorf("%q", le)
		}
	})

	t.Run("a host that answers 404 to /v2/ is no registry: unavailable, not a missing repository", func(t *testing.T) {
		c := newClient(t, Options{Transport: hub(t, http.NotFoundHandler())})
		_, err := c.Tags(ctx, "docker.io/library/postgres")
		if le := unavailable(t, err); !strings.HasPrefix(le.Error(), "registry unavailable: index.docker.io for docker.io/library/postgres (HTTP 404): ") {
			t.Errorf("%q", le)
		}
	})

	t.Run("500 is unknown, not an empty list, and is not retried", func(t *testing.T) {
		f, c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"boom"}]}`, http.StatusInternalServerError)
		}, Options{})
		tags, err := c.Tags(ctx, "docker.io/library/postgres")
		ue := unavailable(t, err)
		if tags != nil || ue.StatusCode != 500 || ue.Host != "index.docker.io" || ue.Repository != "docker.io/library/postgres" {
			t.Errorf("tags %v, error %+v", tags, ue)
		}
		if _, err := c.Tags(ctx, "docker.io/library/postgres"); !errors.Is(err, ErrUnknown) {
			t.Errorf("second call: %v", err)
		}
		if n := f.count(http.MethodGet, "/tags/list"); n != 1 {
			t.Errorf("server saw %d tag requests, want 1 (no retry, failure cached for the run)", n)
		}
	})

	t.Run("429 is retried once after a capped Retry-After, then the host is left alone", func(t *testing.T) {
		f, c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, `{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}`, http.StatusTooManyRequests)
		}, Options{MaxRetryAfter: 100 * time.Millisecond})
		start := time.Now()
		_, err := c.Tags(ctx, "docker.io/library/postgres")
		if ue := unavailable(t, err); ue.StatusCode != 429 {
			t.Errorf("status %d, want 429", ue.StatusCode)
		}
		if d := time.Since(start); d < 100*time.Millisecond || d > 3*time.Second {
			t.Errorf("took %v, want the 100ms cap", d)
		}
		if n := f.count(http.MethodGet, "/tags/list"); n != 2 {
			t.Errorf("server saw %d tag requests, want 2", n)
		}
		before := len(f.requests())
		_, err = c.Tags(ctx, "docker.io/library/nginx")
		if ue := unavailable(t, err); ue.StatusCode != 429 {
			t.Errorf("throttled host: status %d, want 429", ue.StatusCode)
		}
		if _, err := c.Digest(ctx, "docker.io/library/postgres", "17.2"); !errors.Is(err, ErrUnknown) {
			t.Errorf("throttled digest: %v", err)
		}
		if n := len(f.requests()) - before; n != 0 {
			t.Errorf("throttled host got %d more requests, want 0", n)
		}
	})

	t.Run("one 429 then success", func(t *testing.T) {
		var calls atomic.Int32
		_, c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		}, Options{})
		tags, err := c.Tags(ctx, "docker.io/library/postgres")
		if err != nil || len(tags) != len(postgresTags) {
			t.Fatalf("tags %v, %v", tags, err)
		}
		wantCounts(t, "total", c.Requests(), map[string]int{KindAuth: 1, KindTags: 2})
	})

	t.Run("503 on HEAD is unknown, never a GET", func(t *testing.T) {
		f, c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}, Options{MaxRetryAfter: 10 * time.Millisecond})
		_, err := c.Digest(ctx, "docker.io/library/postgres", "17.2")
		if ue := unavailable(t, err); ue.StatusCode != 503 {
			t.Errorf("status %d, want 503", ue.StatusCode)
		}
		if head, get := f.count(http.MethodHead, "/manifests/17.2"), f.count(http.MethodGet, "/manifests/17.2"); head != 2 || get != 0 {
			t.Errorf("%d HEAD, %d GET; want 2 HEAD (one retry), no GET", head, get)
		}
	})

	t.Run("a hanging registry times out as unknown", func(t *testing.T) {
		_, c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
			w.WriteHeader(http.StatusGatewayTimeout)
		}, Options{Timeout: 200 * time.Millisecond})
		_, err := c.Tags(ctx, "docker.io/library/postgres")
		unavailable(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want a deadline", err)
		}
	})

	t.Run("the caller's cancellation is not cached", func(t *testing.T) {
		_, c := setup(t, func(http.ResponseWriter, *http.Request) {}, Options{})
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.Tags(cancelled, "docker.io/library/postgres"); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if tags, err := c.Tags(ctx, "docker.io/library/postgres"); err != nil || len(tags) != len(postgresTags) {
			t.Errorf("after cancellation: %v, %v", tags, err)
		}
	})

	t.Run("an unreachable registry is unknown", func(t *testing.T) {
		c := newClient(t, Options{Transport: route(nil)})
		_, err := c.Tags(ctx, "quay.io/org/app")
		if ue := unavailable(t, err); ue.StatusCode != 0 || ue.Host != "quay.io" {
			t.Errorf("error %+v", ue)
		}
	})
}

// statusRecorder lets a failure handler leave the request to the registry by
// writing nothing.
func statusRecorder(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&statusWriter{ResponseWriter: w}, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Status() int { return w.status }

func TestMirrors(t *testing.T) {
	f := newFake(t)
	img := image(t, nil)
	f.push("library/postgres", img, postgresTags...)
	f.push("ghcr/org/app", img, appTags...)
	mirrors, err := ParseMirrors("docker.io=registry.internal:5000, ghcr.io=http://mirror.internal:5001/ghcr")
	if err != nil {
		t.Fatal(err)
	}
	// Only the mirrors are routed: a request to docker.io or ghcr.io fails.
	c := newClient(t, Options{Mirrors: mirrors, Transport: route(map[string]*httptest.Server{
		"registry.internal": serve(t, f.record(f.reg), false),
		"mirror.internal":   serve(t, f.record(f.reg), true),
	})})
	ctx := context.Background()

	tags, err := c.Tags(ctx, "docker.io/library/postgres")
	if err != nil || len(tags) != len(postgresTags) {
		t.Fatalf("docker.io via mirror: %v, %v", tags, err)
	}
	tags, err = c.Tags(ctx, "ghcr.io/org/app")
	if err != nil || len(tags) != len(appTags) {
		t.Fatalf("ghcr.io via plain-HTTP mirror with prefix: %v, %v", tags, err)
	}
	var lists []string
	for _, r := range f.requests() {
		if strings.HasSuffix(r.path, "/tags/list") {
			lists = append(lists, r.host+r.path)
		}
	}
	want := []string{"registry.internal:5000/v2/library/postgres/tags/list", "mirror.internal:5001/v2/ghcr/org/app/tags/list"}
	if !slices.Equal(lists, want) {
		t.Errorf("tag lists went to %q, want %q", lists, want)
	}
	// Counted under the names the caller used.
	wantCounts(t, "postgres", c.RequestsFor("docker.io/library/postgres"), map[string]int{KindAuth: 1, KindTags: 1})

	// A failing mirror reports the mirror host and the original repository.
	_, err = c.Tags(ctx, "docker.io/library/missing")
	if le := failed(t, err, NotFound); le.Host != "registry.internal:5000" || le.Repository != "docker.io/library/missing" || le.StatusCode != 404 ||
		le.Error() != "not found: docker.io/library/missing (check the name; the mirror registry.internal:5000 has no such repository)" {
		t.Errorf("error %+v: %q", le, le)
	}
}

func TestCredentialsFromDockerConfig(t *testing.T) {
	ctx := context.Background()
	// The server's own docker config must never be read implicitly.
	home := t.TempDir()
	leaked := `{"auths":{"registry.example:5000":{"auth":"bGVha2VkOmxlYWtlZA=="},"ghcr.io":{"auth":"bGVha2VkOmxlYWtlZA=="}}}`
	if err := os.MkdirAll(filepath.Join(home, ".docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".docker", "config.json"), []byte(leaked), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", filepath.Join(home, ".docker"))

	t.Run("basic", func(t *testing.T) {
		f := newFake(t)
		f.push("team/app", image(t, nil), appTags...)
		const want = "Basic Ym90OnMzY3JldA==" // bot:s3cret
		basic := basicAuth(want, f.reg)
		tr := route(map[string]*httptest.Server{"registry.example": serve(t, f.record(basic), false)})

		c := newClient(t, Options{Transport: tr, DockerConfig: []byte(`{"auths":{"registry.example:5000":{"auth":"Ym90OnMzY3JldA=="}}}`)})
		if _, err := c.Tags(ctx, "registry.example:5000/team/app"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Digest(ctx, "registry.example:5000/team/app", "v1.2.3"); err != nil {
			t.Fatal(err)
		}
		for _, r := range f.requests() {
			if r.path != "/v2/" && r.auth != want {
				t.Errorf("%s %s sent Authorization %q", r.method, r.path, r.auth)
			}
		}

		before := len(f.requests())
		anonymous := newClient(t, Options{Transport: tr})
		_, err := anonymous.Tags(ctx, "registry.example:5000/team/app")
		if le := failed(t, err, Denied); le.StatusCode != http.StatusUnauthorized ||
			le.Error() != "denied: registry.example:5000/team/app (HTTP 401; credentials needed? set COMPOSEGUARD_REGISTRY_AUTH_FILE)" {
			t.Errorf("without credentials: %+v: %q", le, le)
		}
		for _, r := range f.requests()[before:] {
			if r.auth != "" {
				t.Errorf("anonymous client sent Authorization %q (from ~/.docker?)", r.auth)
			}
		}

		wrong := newClient(t, Options{Transport: tr, DockerConfig: []byte(`{"auths":{"registry.example:5000":{"auth":"Ym90Ondyb25n"}}}`)})
		_, err = wrong.Tags(ctx, "registry.example:5000/team/app")
		if le := failed(t, err, Denied); !le.Credentials || strings.Contains(le.Error(), "wrong") || !strings.Contains(le.Error(), "refused the credentials") {
			t.Errorf("with wrong credentials: %+v: %q", le, le)
		}
	})

	t.Run("bearer token", func(t *testing.T) {
		f := newFake(t)
		f.push("org/app", image(t, nil), appTags...)
		var tokenRequests []seenRequest
		var mu sync.Mutex
		tokens := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			tokenRequests = append(tokenRequests, seenRequest{r.Method, r.Host, r.URL.Path, r.URL.Query(), r.Header.Get("Authorization")})
			mu.Unlock()
			if r.Header.Get("Authorization") != "Basic Ym90OmdocF9zZWNyZXQ=" { // bot:ghp_secret
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(`{"token":"tok-123"}`))
		})
		ghcr := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer tok-123" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="https://auth.example/token",service="ghcr.io",scope="repository:org/app:pull"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			f.reg.ServeHTTP(w, r)
		})
		c := newClient(t, Options{
			DockerConfig: []byte(`{"auths":{"https://ghcr.io":{"username":"bot","password":"ghp_secret"}}}`),
			Transport: route(map[string]*httptest.Server{
				"ghcr.io":      serve(t, f.record(ghcr), false),
				"auth.example": serve(t, tokens, false),
			}),
		})
		if _, err := c.Tags(ctx, "ghcr.io/org/app"); err != nil {
			t.Fatal(err)
		}
		if len(tokenRequests) != 1 || tokenRequests[0].query.Get("scope") != "repository:org/app:pull" || tokenRequests[0].query.Get("service") != "ghcr.io" {
			t.Errorf("token requests = %+v", tokenRequests)
		}
		for _, r := range f.requests() {
			if r.path != "/v2/" && r.auth != "Bearer tok-123" {
				t.Errorf("%s %s sent Authorization %q", r.method, r.path, r.auth)
			}
		}
		wantCounts(t, "total", c.Requests(), map[string]int{KindAuth: 2, KindTags: 1})
	})

	t.Run("docker hub key", func(t *testing.T) {
		f := newFake(t)
		f.push("library/postgres", image(t, nil), "17.2")
		c := newClient(t, Options{
			Transport:    hub(t, f.record(f.reg)),
			DockerConfig: []byte(`{"auths":{"https://index.docker.io/v1/":{"auth":"Ym90OnMzY3JldA=="}}}`),
		})
		if _, err := c.Tags(ctx, "docker.io/library/postgres"); err != nil {
			t.Fatal(err)
		}
		for _, r := range f.requests() {
			if r.path != "/v2/" && r.auth != "Basic Ym90OnMzY3JldA==" {
				t.Errorf("%s %s sent Authorization %q", r.method, r.path, r.auth)
			}
		}
	})
}

func TestPlainHTTP(t *testing.T) {
	ctx := context.Background()
	f := newFake(t)
	f.push("team/app", image(t, nil), appTags...)
	plain := serve(t, f.reg, true)

	t.Run("localhost, allowed", func(t *testing.T) {
		port := plain.URL[strings.LastIndex(plain.URL, ":")+1:]
		c := newClient(t, Options{AllowPrivate: []string{"localhost:" + port, "127.0.0.1"}}) // the default transport
		for _, repo := range []string{"localhost:" + port + "/team/app", "127.0.0.1:" + port + "/team/app"} {
			if tags, err := c.Tags(ctx, repo); err != nil || len(tags) != len(appTags) {
				t.Errorf("%s: %v, %v", repo, tags, err)
			}
		}
	})

	t.Run("registry marked insecure", func(t *testing.T) {
		tr := route(map[string]*httptest.Server{"registry.example": plain})
		c := newClient(t, Options{Transport: tr, Insecure: []string{"registry.example:5000"}})
		if tags, err := c.Tags(ctx, "registry.example:5000/team/app"); err != nil || len(tags) != len(appTags) {
			t.Errorf("insecure: %v, %v", tags, err)
		}
		_, err := newClient(t, Options{Transport: tr}).Tags(ctx, "registry.example:5000/team/app")
		unavailable(t, err)
	})
}

func TestInvalidNames(t *testing.T) {
	c := newClient(t, Options{Transport: route(nil)})
	if _, err := c.Tags(context.Background(), "Not A Repo"); err == nil || errors.Is(err, ErrUnknown) {
		t.Errorf("bad repository: %v, want a plain error", err)
	}
	if _, err := c.Digest(context.Background(), "docker.io/library/postgres", "bad tag"); err == nil || errors.Is(err, ErrUnknown) {
		t.Errorf("bad tag: %v, want a plain error", err)
	}
	if c.Requests()[KindAuth] != 0 {
		t.Errorf("requests sent for invalid names: %v", c.Requests())
	}
}

func BenchmarkTagsWarmCache(b *testing.B) {
	f := newFake(b)
	f.push("library/postgres", image(b, nil), postgresTags...)
	c := newClient(b, Options{Transport: hub(b, f.reg)})
	ctx := context.Background()
	if _, err := c.Tags(ctx, "docker.io/library/postgres"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Tags(ctx, "docker.io/library/postgres"); err != nil {
			b.Fatal(err)
		}
	}
	if n := c.Requests()[KindTags]; n != 1 {
		b.Fatalf("%d tag requests, want 1", n)
	}
}

// One iteration plans a thousand references (tags and digest) over four
// images once the cache is warm: the "under a second" target.
func BenchmarkThousandReferencesWarmCache(b *testing.B) {
	f := newFake(b)
	img := image(b, nil)
	refs := map[string]string{
		"docker.io/library/postgres": "17.2",
		"docker.io/library/nginx":    "1.27.1",
		"docker.io/library/traefik":  "v3.2.0",
		"ghcr.io/org/app":            "1.4.0",
	}
	f.push("library/postgres", img, postgresTags...)
	f.push("library/nginx", img, nginxTags...)
	f.push("library/traefik", img, traefikTags...)
	f.push("org/app", img, appTags...)
	c := newClient(b, Options{Transport: hub(b, f.reg)})
	ctx := context.Background()
	repos := slices.Sorted(maps.Keys(refs))
	plan := func() {
		for i := range 1000 {
			repo := repos[i%len(repos)]
			if _, err := c.Tags(ctx, repo); err != nil {
				b.Fatal(err)
			}
			if _, err := c.Digest(ctx, repo, refs[repo]); err != nil {
				b.Fatal(err)
			}
		}
	}
	plan()
	b.ReportAllocs()
	for b.Loop() {
		plan()
	}
}
