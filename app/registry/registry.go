// Package registry answers the questions `composeguard bump` asks container
// registries: which tags a repository has, which digest a tag points to and
// where the image's source lives. One Client serves one run: every answer,
// including a failure, is fetched once and cached, so a thousand compose files
// using postgres cost one tag listing. Image references come from
// repositories, so lookups reach only public addresses unless the operator
// allows more, offer a repository only the credentials scoped to it, and read
// every answer within bounds.
package registry

import (
	"cmp"
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
	// CredentialScope says which forge repositories the lookups of For may
	// offer DockerConfig's credentials to; for the others, those registries
	// are asked anonymously. The Client's own lookups offer every credential:
	// they serve the person running composeguard.
	CredentialScope CredentialScope
	// Mirrors maps a registry to the mirror that serves it, as returned by
	// ParseMirrors. Requests go to the mirror; answers are reported for the
	// original name, and credentials are looked up for the mirror host.
	Mirrors map[string]string
	// AllowPrivate names the registries lookups may reach on loopback,
	// private, link-local and other non-public addresses, and over plain
	// HTTP, as ParseAllowPrivate returns them. Mirrors and Insecure
	// registries are the operator's choice and are reached anyway.
	AllowPrivate []string
	// Insecure lists registries (host[:port]) spoken to over plain HTTP.
	// localhost and loopback addresses fall back to plain HTTP anyway.
	Insecure []string
	// Transport sends requests; nil means go-containerregistry's default
	// transport, dialling only public addresses and the hosts allowed above.
	// Tests route requests themselves.
	Transport http.RoundTripper
	// MaxRetryAfter caps the wait before the single retry of a 429, 502, 503
	// or 504; 0 means 5s.
	MaxRetryAfter time.Duration
	// Timeout bounds each lookup (all its requests); 0 means one minute. A
	// registry that hangs is then "unknown", not a stuck run.
	Timeout time.Duration
}

// Bounds of a tag listing: an image with more tags, or a registry paging on
// longer, is "unknown" rather than a run's memory or time (Renovate, too,
// stops at 10,000 tags).
const (
	MaxTags     = 10_000
	MaxTagPages = 100
)

// Client looks up tags, digests and source URLs, caching every answer for its
// lifetime. It is safe for concurrent use. For gives the lookups made on
// behalf of one forge repository, sharing the caches.
type Client struct {
	*shared
	scoped bool   // lookups offer only the credentials CredentialScope gives caller
	caller string // the forge repository ("owner/name") when scoped
}

type shared struct {
	keychain  keychain
	scope     CredentialScope
	transport *countingTransport
	mirrors   map[string]mirror
	insecure  map[string]bool
	timeout   time.Duration

	// Answers fetched with credentials are kept apart from anonymous ones,
	// so a repository the credentials are withheld from never reads them
	// from the cache.
	anonymous, credentialed lane
}

// lane is one way of asking, with or without credentials, and its answers.
type lane struct {
	puller  *remote.Puller
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
	s := &shared{
		keychain: kc,
		scope:    opts.CredentialScope,
		mirrors:  map[string]mirror{},
		insecure: map[string]bool{},
		timeout:  cmp.Or(opts.Timeout, time.Minute),
		transport: &countingTransport{
			inner:         opts.Transport,
			maxRetryAfter: cmp.Or(opts.MaxRetryAfter, 5*time.Second),
			counts:        map[string]map[string]int{},
			throttled:     map[string]bool{},
		},
	}
	var named []string // hosts the operator named, reached wherever they are
	for from, to := range opts.Mirrors {
		host, err := registryHost(from)
		if err != nil {
			return nil, fmt.Errorf("registry mirror: %w", err)
		}
		if s.mirrors[host], err = parseMirror(to); err != nil {
			return nil, err
		}
		named = append(named, s.mirrors[host].host)
	}
	for _, h := range opts.Insecure {
		host, err := registryHost(h)
		if err != nil {
			return nil, fmt.Errorf("insecure registry: %w", err)
		}
		s.insecure[host] = true
		named = append(named, host)
	}
	if s.transport.destinations, err = newDestinations(opts.AllowPrivate, named); err != nil {
		return nil, err
	}
	if s.transport.inner == nil {
		s.transport.inner = s.transport.destinations.transport()
	}
	if s.anonymous.puller, err = s.newPuller(keychain{}); err != nil {
		return nil, err
	}
	if s.credentialed.puller, err = s.newPuller(kc); err != nil {
		return nil, err
	}
	return &Client{shared: s}, nil
}

func (s *shared) newPuller(kc keychain) (*remote.Puller, error) {
	return remote.NewPuller(
		remote.WithTransport(s.transport),
		remote.WithAuthFromKeychain(kc),
		remote.WithUserAgent("composeguard"),
		// Retries are countingTransport's job: go-containerregistry's default
		// retries 429s and 5xx three times without reading Retry-After.
		remote.WithRetryStatusCodes(),
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
	)
}

// For returns the lookups made on behalf of the forge repository
// ("owner/name", "gitlab:group/name" on GitLab): they offer a registry's credentials only when
// Options.CredentialScope gives them to that repository.
func (c *Client) For(repository string) *Client {
	return &Client{shared: c.shared, scoped: true, caller: repository}
}

// toCaller names this Client's caller in a failure, which may come from the
// cache, where another repository's lookup left it.
func (c *Client) toCaller(err error) error {
	if le, ok := err.(*LookupError); ok && le.Caller != c.caller {
		named := *le
		named.Caller = c.caller
		return &named
	}
	return err
}

// laneFor picks how t is asked: with the credentials held for its host when
// this Client may offer them, else anonymously.
func (c *Client) laneFor(t target) *lane {
	host := t.remote.RegistryStr()
	if _, held := c.keychain[host]; held && (!c.scoped || c.scope.allows(host, c.caller)) {
		return &c.credentialed
	}
	return &c.anonymous
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
// "docker.io/library/postgres"), following pagination up to MaxTagPages
// pages and MaxTags tags. Errors are *LookupError (errors.Is ErrUnknown) or
// the caller's context error.
func (c *Client) Tags(ctx context.Context, repository string) ([]string, error) {
	t, err := c.resolve(repository)
	if err != nil {
		return nil, err
	}
	l := c.laneFor(t)
	tags, err := l.tags.do(ctx, t.key, func(ctx context.Context) ([]string, error) {
		ctx, cancel := c.begin(ctx, KindTags, t)
		defer cancel()
		tags, err := listTags(ctx, l.puller, t.remote)
		if err != nil {
			return nil, c.lookupError(t, "", l, err)
		}
		return tags, nil
	})
	// Callers may sort or filter; the cached list must stay intact.
	return slices.Clone(tags), c.toCaller(err)
}

// listTags reads the pages of repo's tag list within the bounds.
func listTags(ctx context.Context, puller *remote.Puller, repo name.Repository) ([]string, error) {
	lister, err := puller.Lister(ctx, repo)
	if err != nil {
		return nil, err
	}
	tags := []string{}
	for pages := 0; lister.HasNext(); pages++ {
		if pages == MaxTagPages {
			return nil, &TooLargeError{What: fmt.Sprintf("the tag list runs past %d pages, the most composeguard follows", MaxTagPages)}
		}
		page, err := lister.Next(ctx)
		if err != nil {
			return nil, err
		}
		if len(tags)+len(page.Tags) > MaxTags {
			return nil, &TooLargeError{What: fmt.Sprintf("the registry lists more than %d tags, the most composeguard reads for an image", MaxTags)}
		}
		tags = append(tags, page.Tags...)
	}
	return tags, nil
}

// Digest returns the manifest digest of repository:tag: for a multi-platform
// image the index digest, which is what `image: name@sha256:…` pins. It sends a
// HEAD and falls back to GET only when the HEAD answer lacks the digest.
func (c *Client) Digest(ctx context.Context, repository, tag string) (string, error) {
	t, ref, key, err := c.resolveTag(repository, tag)
	if err != nil {
		return "", err
	}
	l := c.laneFor(t)
	digest, err := l.digests.do(ctx, key, func(ctx context.Context) (string, error) {
		ctx, cancel := c.begin(ctx, KindDigest, t)
		defer cancel()
		desc, err := l.puller.Head(ctx, ref)
		if err == nil {
			return desc.Digest.String(), nil
		}
		if !headUnusable(err) {
			return "", c.lookupError(t, tag, l, err)
		}
		got, err := l.puller.Get(ctx, ref)
		if err != nil {
			return "", c.lookupError(t, tag, l, err)
		}
		return got.Digest.String(), nil
	})
	return digest, c.toCaller(err)
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
	l := c.laneFor(t)
	src, err := l.sources.do(ctx, key, func(ctx context.Context) (string, error) {
		ctx, cancel := c.begin(ctx, KindSource, t)
		defer cancel()
		desc, err := l.puller.Get(ctx, ref)
		if err != nil {
			return "", c.lookupError(t, tag, l, err)
		}
		// The GET answered the digest question too; spare a later HEAD.
		l.digests.seed(key, desc.Digest.String())
		src, err := source(ctx, l.puller, t, desc)
		if err != nil {
			return "", c.lookupError(t, tag, l, err)
		}
		return src, nil
	})
	return src, c.toCaller(err)
}

func source(ctx context.Context, puller *remote.Puller, t target, desc *remote.Descriptor) (string, error) {
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
		if desc, err = puller.Get(ctx, t.remote.Digest(child.Digest.String())); err != nil {
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
