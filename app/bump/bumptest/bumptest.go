// Package bumptest serves realistic tag sets from go-containerregistry's
// in-memory registry on a loopback port, for the tests of bump and its
// command. Every tag is its own image, so every tag has its own digest.
package bumptest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Tag sets shaped like the real ones: OS suffixes, v prefixes, rolling
// tags, prereleases and words.
var (
	PostgresTags = []string{
		"15.4-alpine3.19", "15.5-alpine3.19", "15.6-alpine3.20", "16.1-alpine3.19", "16.2-alpine3.20",
		"16.6-alpine3.20", "16.6-alpine3.21", "16.6", "17", "17-alpine", "17.2", "17.2-alpine3.21",
		"18beta1-alpine", "alpine", "latest",
	}
	NginxTags = []string{
		"1.25", "1.25.5", "1.26", "1.26.0", "1.27", "1.27-alpine", "1.27.1", "mainline", "stable", "latest",
	}
	TraefikTags = []string{
		"2.11.5", "v2.11.3", "v2.11.4", "v3.0.0-rc1", "v3.2.0", "v3.2", "latest",
	}
)

// Registry is a running in-memory registry.
type Registry struct {
	Host    string            // 127.0.0.1:PORT, which clients allow (AllowPrivate) and speak plain HTTP to
	digests map[string]string // repository:tag → digest
}

// New serves repos (repository path → tags) and returns the registry.
func New(t testing.TB, repos map[string][]string) *Registry {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(s.Close)
	r := &Registry{Host: strings.TrimPrefix(s.URL, "http://"), digests: map[string]string{}}
	for repo, tags := range repos {
		for _, tag := range tags {
			r.Push(t, repo, tag, nil)
		}
	}
	return r
}

// Push pushes repo:tag as a new image whose config carries labels, and
// returns its digest.
func (r *Registry) Push(t testing.TB, repo, tag string, labels map[string]string) string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if labels != nil {
		if img, err = mutate.Config(img, v1.Config{Labels: labels}); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := name.NewTag(r.Host + "/" + repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	r.digests[repo+":"+tag] = d.String()
	return d.String()
}

// Digest is the digest a tag was pushed with.
func (r *Registry) Digest(repo, tag string) string { return r.digests[repo+":"+tag] }

// Failing serves a registry that answers every request with status, and
// returns its host.
func Failing(t testing.TB, status int) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}
