// Package github implements the forge interfaces over GitHub's REST API with
// go-github: as a GitHub App, with one installation token per installation,
// or with a single token (GITHUB_TOKEN) for one repository.
//
// The client never retries: a 5xx, a timeout or a rate limit comes back as a
// *forge.RetryableError and the job decides, so nothing is posted twice by a
// retried POST.
package github

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	jwt "github.com/golang-jwt/jwt/v4"
	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

const (
	defaultTimeout        = 30 * time.Second
	defaultBlobCacheBytes = 64 << 20
	// defaultRevalidationBytes holds, compressed about tenfold, the five
	// answers a bump run reads per repository for a few thousand of them.
	defaultRevalidationBytes = 32 << 20
	userAgent                = "composeguard"
)

// Options configure a Client.
type Options struct {
	// APIURL is a GitHub Enterprise Server API URL (https://HOST/api/v3);
	// empty for https://api.github.com.
	APIURL string
	// AppID and PrivateKey (PEM) authenticate a GitHub App.
	AppID      int64
	PrivateKey []byte
	// Token authenticates every request instead, for a single repository.
	Token string
	// Transport carries every request, token requests included;
	// http.DefaultTransport when nil.
	Transport http.RoundTripper
	// Timeout bounds each request; 30 s when zero.
	Timeout time.Duration
	// BlobCacheBytes bounds the file contents kept between snapshots; 64 MiB
	// when zero.
	BlobCacheBytes int64
	// RevalidationBytes bounds the answers kept to ask again conditionally
	// (compressed); 32 MiB when zero.
	RevalidationBytes int64
	// APICalls counts the requests sent; nil counts none.
	APICalls *forgekit.APICalls
}

// Client talks to one GitHub (github.com or one Enterprise Server).
type Client struct {
	opts    Options
	baseURL string // go-github's API base URL, ending in "/"
	counter *counter
	blobs   *forgekit.Blobs
	// revalidation asks again conditionally for what was read before;
	// quotas are the rate limits the answers told (quota.go).
	revalidation *forgekit.Revalidation
	quotas       *forgekit.Quotas

	// appKey is set for a GitHub App; token for a single-token client.
	appKey *rsa.PrivateKey
	token  *gh.Client

	mu            sync.Mutex
	login         forgekit.Login // the account it writes as (identity.go)
	installations map[int64]*gh.Client
	// statusRepos are the repositories (lower-case "owner/name") whose
	// check runs GitHub refused to the token: they get commit statuses.
	statusRepos map[string]bool
}

// NewAppClient returns a client acting as the GitHub App opts.AppID, with an
// installation token per installation, cached and refreshed by
// ghinstallation. A forge.Repo's CredentialsKey names its installation: the
// id in decimal, as webhooks and the installation listing give it.
func NewAppClient(opts Options) (*Client, error) {
	if opts.AppID <= 0 {
		return nil, errors.New("github: the GitHub App ID is missing")
	}
	if len(opts.PrivateKey) == 0 {
		return nil, errors.New("github: the GitHub App private key is missing")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	// The parse error never quotes the key.
	c.appKey, err = jwt.ParseRSAPrivateKeyFromPEM(opts.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("github: the GitHub App private key is not a PEM RSA key: %w", err)
	}
	c.installations = map[int64]*gh.Client{}
	return c, nil
}

// NewTokenClient returns a client that sends opts.Token with every request.
func NewTokenClient(opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, errors.New("github: the token is empty")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	// The token never changes: the Authorization header names it.
	c.token, err = c.newAPI(c.quotas.Transport(tokenQuota, c.revalidation.Transport(tokenQuota, nil, c.counter)),
		gh.WithAuthToken(opts.Token))
	return c, err
}

func newClient(opts Options) (*Client, error) {
	if opts.Timeout == 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.BlobCacheBytes == 0 {
		opts.BlobCacheBytes = defaultBlobCacheBytes
	}
	if opts.RevalidationBytes == 0 {
		opts.RevalidationBytes = defaultRevalidationBytes
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := &Client{opts: opts, blobs: forgekit.NewBlobs(opts.BlobCacheBytes), statusRepos: map[string]bool{},
		quotas: forgekit.NewQuotas(forgekit.GitHubQuota)}
	// go-github settles the base URL (it adds /api/v3/ to an Enterprise
	// host): ask it rather than repeat its rule.
	probe, err := c.newAPI(base)
	if err != nil {
		return nil, err
	}
	c.baseURL = probe.BaseURL()
	u, err := url.Parse(c.baseURL)
	if err != nil {
		return nil, fmt.Errorf("github: API URL: %w", err)
	}
	prefix := strings.TrimSuffix(u.Path, "/")
	c.counter = newCounter(countCalls(opts.APICalls, base, prefix), prefix)
	// Blobs are kept by their SHA in c.blobs already.
	c.revalidation = forgekit.NewRevalidation(opts.RevalidationBytes,
		func(r *http.Request) bool { return c.counter.operation(r) == opGetBlob })
	return c, nil
}

func (c *Client) newAPI(rt http.RoundTripper, extra ...gh.ClientOptionsFunc) (*gh.Client, error) {
	opts := []gh.ClientOptionsFunc{
		gh.WithHTTPClient(&http.Client{Transport: rt, Timeout: c.opts.Timeout}),
		gh.WithUserAgent(userAgent),
	}
	if c.opts.APIURL != "" {
		opts = append(opts, gh.WithEnterpriseURLs(c.opts.APIURL, c.opts.APIURL))
	}
	api, err := gh.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	return api, nil
}

// api returns the go-github client allowed to act on repo.
func (c *Client) api(repo forge.Repo) (*gh.Client, error) {
	if c.token != nil {
		return c.token, nil
	}
	id, err := strconv.ParseInt(repo.CredentialsKey, 10, 64)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("github: %s has no GitHub App installation", repo)
	}
	return c.installation(id)
}

// installation returns the go-github client of one App installation.
func (c *Client) installation(id int64) (*gh.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if api, ok := c.installations[id]; ok {
		return api, nil
	}
	// One AppsTransport per installation: ghinstallation writes to it on
	// every token refresh. All of them share c.counter and its connections.
	apps := ghinstallation.NewAppsTransportFromPrivateKey(c.counter, c.opts.AppID, c.appKey)
	// Without this, Enterprise tokens would be requested from api.github.com.
	apps.BaseURL = strings.TrimSuffix(c.baseURL, "/")
	tokens := ghinstallation.NewFromAppsTransport(apps, id)
	// Outside ghinstallation, so the App's own requests for tokens count in
	// no installation's quota; an ETag is sent back only with the token it
	// came with (forgekit.Revalidation).
	key := strconv.FormatInt(id, 10)
	token := func(r *http.Request) (string, error) { return tokens.Token(r.Context()) }
	api, err := c.newAPI(c.quotas.Transport(key, c.revalidation.Transport("installation "+key, token, tokens)))
	if err != nil {
		return nil, err
	}
	c.installations[id] = api
	return api, nil
}
