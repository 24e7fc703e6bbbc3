// Package registry answers the questions `composeguard bump` asks container
// registries: which tags a repository has, which digest a tag points to and
// where the image's source lives. One Client serves one run: every answer,
// including a failure, is fetched once and cached, so a thousand compose files
// using postgres cost one tag listing.
package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Options configures a Client.
type Options struct {
	// DockerConfig is the content of a docker config.json from the server
	// configuration; only its "auths" are used. Empty means anonymous.
	DockerConfig []byte
	// Mirrors maps a registry to the mirror that serves it, as returned by
	// ParseMirrors. Requests go to the mirror; answers are reported for the
	// original name, and credentials are looked up for the mirror host.
	Mirrors map[string]string
	// Insecure lists registries (host[:port]) spoken to over plain HTTP.
	// localhost and loopback addresses fall back to plain HTTP anyway.
	Insecure []string
	// Transport sends requests; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// MaxRetryAfter caps the wait before the single retry of a 429, 502, 503
	// or 504; 0 means 5s.
	MaxRetryAfter time.Duration
	// Timeout bounds each lookup (all its requests); 0 means one minute. A
	// registry that hangs is then "unknown", not a stuck run.
	Timeout time.Duration
}

// Client looks up tags, digests and source URLs, caching every answer for its
// lifetime. It is safe for concurrent use.
type Client struct {
	puller    *remote.Puller
	keychain  keychain
	transport *countingTransport
	mirrors   map[string]mirror
	insecure  map[string]bool
	timeout   time.Duration

	tags    memo[[]string]
	digests memo[string]
	sources memo[string]
}

// New returns a Client for one run.
func New(opts Options) (*Client, error) {
	kc, err := parseDockerConfig(opts.DockerConfig)
	if err != nil {
		return nil, err
	}
	c := &Client{
		keychain: kc,
		mirrors:  map[string]mirror{},
		insecure: map[string]bool{},
		timeout:  opts.Timeout,
		transport: &countingTransport{
			inner:         opts.Transport,
			maxRetryAfter: opts.MaxRetryAfter,
			counts:        map[string]map[string]int{},
			throttled:     map[string]bool{},
		},
	}
	if c.timeout == 0 {
		c.timeout = time.Minute
	}
	if c.transport.inner == nil {
		c.transport.inner = remote.DefaultTransport
	}
	if c.transport.maxRetryAfter == 0 {
		c.transport.maxRetryAfter = 5 * time.Second
	}
	for from, to := range opts.Mirrors {
		host, err := registryHost(from)
		if err != nil {
			return nil, fmt.Errorf("registry mirror: %w", err)
		}
		if c.mirrors[host], err = parseMirror(to); err != nil {
			return nil, err
		}
	}
	for _, h := range opts.Insecure {
		host, err := registryHost(h)
		if err != nil {
			return nil, fmt.Errorf("insecure registry: %w", err)
		}
		c.insecure[host] = true
	}
	c.puller, err = remote.NewPuller(
		remote.WithTransport(c.transport),
		remote.WithAuthFromKeychain(kc),
		remote.WithUserAgent("composeguard"),
		// Retries are countingTransport's job: go-containerregistry's default
		// retries 429s and 5xx three times without reading Retry-After.
		remote.WithRetryStatusCodes(),
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
	)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// target is a repository as asked for and as reached (through a mirror).
type target struct {
	asked    string          // the caller's text, for errors
	key      string          // normalised name, for caches and counts
	remote   name.Repository // where requests go
	mirrored bool            // remote is on a mirror
}

func (c *Client) resolve(repository string) (target, error) {
	repo, err := name.NewRepository(repository)
	if err != nil {
		return target{}, fmt.Errorf("registry: repository %q: %w", repository, err)
	}
	t := target{asked: repository, key: repo.Name(), remote: repo}
	host := repo.RegistryStr()
	m, mirrored := c.mirrors[host]
	switch {
	case mirrored:
		t.mirrored = true
		path := repo.RepositoryStr()
		if m.prefix != "" {
			path = m.prefix + "/" + path
		}
		opts := []name.Option{}
		if m.insecure || c.insecure[m.host] {
			opts = append(opts, name.Insecure)
		}
		t.remote, err = name.NewRepository(m.host+"/"+path, opts...)
	case c.insecure[host]:
		t.remote, err = name.NewRepository(repository, name.Insecure)
	}
	if err != nil {
		return target{}, fmt.Errorf("registry: repository %q: %w", repository, err)
	}
	return t, nil
}

// resolveTag also returns the cache key of repository:tag.
func (c *Client) resolveTag(repository, tag string) (target, name.Tag, string, error) {
	t, err := c.resolve(repository)
	if err != nil {
		return target{}, name.Tag{}, "", err
	}
	key := t.key + ":" + tag
	if _, err := name.NewTag(key); err != nil || tag == "" {
		return target{}, name.Tag{}, "", fmt.Errorf("registry: bad tag %q for %s", tag, repository)
	}
	return t, t.remote.Tag(tag), key, nil
}

// begin bounds a lookup and labels its requests for counting.
func (c *Client) begin(ctx context.Context, kind string, t target) (context.Context, context.CancelFunc) {
	return context.WithTimeout(withOp(ctx, kind, t.key), c.timeout)
}

// Tags returns every tag of repository (a normalised name such as
// "docker.io/library/postgres"), following pagination. Errors are
// *LookupError (errors.Is ErrUnknown) or the caller's context error.
func (c *Client) Tags(ctx context.Context, repository string) ([]string, error) {
	t, err := c.resolve(repository)
	if err != nil {
		return nil, err
	}
	tags, err := c.tags.do(ctx, t.key, func(ctx context.Context) ([]string, error) {
		ctx, cancel := c.begin(ctx, KindTags, t)
		defer cancel()
		tags, err := c.puller.List(ctx, t.remote)
		if err != nil {
			return nil, c.lookupError(t, "", err)
		}
		return tags, nil
	})
	// Callers may sort or filter; the cached list must stay intact.
	return slices.Clone(tags), err
}

// Digest returns the manifest digest of repository:tag: for a multi-platform
// image the index digest, which is what `image: name@sha256:…` pins. It sends a
// HEAD and falls back to GET only when the HEAD answer lacks the digest.
func (c *Client) Digest(ctx context.Context, repository, tag string) (string, error) {
	t, ref, key, err := c.resolveTag(repository, tag)
	if err != nil {
		return "", err
	}
	return c.digests.do(ctx, key, func(ctx context.Context) (string, error) {
		ctx, cancel := c.begin(ctx, KindDigest, t)
		defer cancel()
		desc, err := c.puller.Head(ctx, ref)
		if err == nil {
			return desc.Digest.String(), nil
		}
		if !headUnusable(err) {
			return "", c.lookupError(t, tag, err)
		}
		got, err := c.puller.Get(ctx, ref)
		if err != nil {
			return "", c.lookupError(t, tag, err)
		}
		return got.Digest.String(), nil
	})
}

// headUnusable reports a HEAD that reached the registry but cannot give the
// digest (no Docker-Content-Digest header, or HEAD not allowed), where a GET
// can; other failures would fail the GET as well.
func headUnusable(err error) bool {
	var te *transport.Error
	if errors.As(err, &te) {
		return te.StatusCode == http.StatusMethodNotAllowed
	}
	var ue *url.Error
	return !errors.As(err, &ue) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// SourceURL returns the image's org.opencontainers.image.source (or the older
// org.label-schema.vcs-url), "" when absent. It reads index or manifest
// annotations first, then the config labels of the linux/amd64 image (of the
// first real platform when there is no linux/amd64).
func (c *Client) SourceURL(ctx context.Context, repository, tag string) (string, error) {
	t, ref, key, err := c.resolveTag(repository, tag)
	if err != nil {
		return "", err
	}
	return c.sources.do(ctx, key, func(ctx context.Context) (string, error) {
		ctx, cancel := c.begin(ctx, KindSource, t)
		defer cancel()
		desc, err := c.puller.Get(ctx, ref)
		if err != nil {
			return "", c.lookupError(t, tag, err)
		}
		// The GET answered the digest question too; spare a later HEAD.
		c.digests.seed(key, desc.Digest.String())
		src, err := c.source(ctx, t, desc)
		if err != nil {
			return "", c.lookupError(t, tag, err)
		}
		return src, nil
	})
}

func (c *Client) source(ctx context.Context, t target, desc *remote.Descriptor) (string, error) {
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return "", err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return "", err
		}
		if src := sourceOf(im.Annotations); src != "" {
			return src, nil
		}
		child := platformImage(im.Manifests)
		if child == nil {
			return "", nil
		}
		if desc, err = c.puller.Get(ctx, t.remote.Digest(child.Digest.String())); err != nil {
			return "", err
		}
	}
	img, err := desc.Image()
	if err != nil {
		return "", err
	}
	m, err := img.Manifest()
	if err != nil {
		return "", err
	}
	if src := sourceOf(m.Annotations); src != "" {
		return src, nil
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	return sourceOf(cfg.Config.Labels), nil
}

func sourceOf(labels map[string]string) string {
	if src := labels["org.opencontainers.image.source"]; src != "" {
		return src
	}
	return labels["org.label-schema.vcs-url"]
}

// platformImage picks linux/amd64, else the first entry with a real platform
// (buildx attestations are listed as unknown/unknown).
func platformImage(manifests []v1.Descriptor) *v1.Descriptor {
	var first *v1.Descriptor
	for i, d := range manifests {
		p := d.Platform
		if p == nil || p.OS == "unknown" {
			continue
		}
		if p.OS == "linux" && p.Architecture == "amd64" {
			return &manifests[i]
		}
		if first == nil {
			first = &manifests[i]
		}
	}
	return first
}

// Requests returns how many HTTP requests this Client sent, by kind
// (KindAuth, KindTags, KindDigest, KindSource), retries included.
func (c *Client) Requests() map[string]int {
	c.transport.mu.Lock()
	defer c.transport.mu.Unlock()
	total := map[string]int{}
	for _, kinds := range c.transport.counts {
		for kind, n := range kinds {
			total[kind] += n
		}
	}
	return total
}

// RequestsFor is Requests for one repository; nil when the name is invalid.
func (c *Client) RequestsFor(repository string) map[string]int {
	repo, err := name.NewRepository(repository)
	if err != nil {
		return nil
	}
	c.transport.mu.Lock()
	defer c.transport.mu.Unlock()
	return maps.Clone(c.transport.counts[repo.Name()])
}
