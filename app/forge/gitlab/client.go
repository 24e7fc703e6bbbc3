// Package gitlab implements the forge interfaces over GitLab's REST API v4
// with client-go, for gitlab.com or a self-managed instance, authenticated
// by one token (a bot user's, or a project or group access token).
//
// The client retries nothing on its own but commit statuses: a 5xx, a
// timeout or a rate limit comes back as a *forge.RetryableError and the job
// decides, so nothing is posted twice by a retried POST. A status, which
// GitLab's state machine makes safe to post again, is retried at once on
// 409 and 5xx (statuses.go).
package gitlab

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

const (
	defaultTimeout        = 30 * time.Second
	defaultBlobCacheBytes = 64 << 20
	userAgent             = "composeguard"
	// DefaultURL is GitLab's own instance.
	DefaultURL = "https://gitlab.com"
)

// Options configure a Client.
type Options struct {
	// URL is the instance, https://gitlab.com when empty; the client
	// appends /api/v4.
	URL string
	// Token is sent as PRIVATE-TOKEN with every request.
	Token string
	// Transport carries every request; http.DefaultTransport when nil.
	Transport http.RoundTripper
	// Timeout bounds each request; 30 s when zero.
	Timeout time.Duration
	// BlobCacheBytes bounds the file contents kept between snapshots; 64 MiB
	// when zero.
	BlobCacheBytes int64
	// APICalls counts the requests sent (apicalls.go); nil counts none.
	APICalls *forgekit.APICalls
}

// Client talks to one GitLab instance with one token.
type Client struct {
	api   *gl.Client
	web   string // the instance's address, without a trailing slash
	blobs *forgekit.Blobs
	// quotas holds the token's rate limit, as GitLab's answers say it.
	quotas *forgekit.Quotas

	mu       sync.Mutex
	me       user                                         // the token's user, once read
	diffRefs map[mergeRequestHead]gl.MergeRequestDiffRefs // from the latest read of each merge request
}

// The capabilities a review finds by type assertion.
var (
	_ forge.ThreadResolver = (*Client)(nil)
	_ forge.Links          = (*Client)(nil)
)

// mergeRequestHead names a merge request at one head commit.
type mergeRequestHead struct {
	project string
	iid     int
	head    string
}

// New returns a client of the instance opts.URL acting with opts.Token.
func New(opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, errors.New("gitlab: the token is empty")
	}
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	web, err := url.Parse(opts.URL)
	if err != nil || (web.Scheme != "https" && web.Scheme != "http") || web.Host == "" {
		return nil, fmt.Errorf("gitlab: the instance URL must be http(s)://HOST[/PATH], got %q", opts.URL)
	}
	if opts.Timeout == 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.BlobCacheBytes == 0 {
		opts.BlobCacheBytes = defaultBlobCacheBytes
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	quotas := forgekit.NewQuotas(forgekit.GitLabQuota)
	api, err := gl.NewClient(opts.Token,
		gl.WithBaseURL(opts.URL),
		gl.WithHTTPClient(&http.Client{Transport: quotas.Transport(tokenQuota, boundBlobs{opts.APICalls.Transport(base, "gitlab", operation)}), Timeout: opts.Timeout}),
		gl.WithoutRetries(),
		gl.WithUserAgent(userAgent))
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	return &Client{api: api, web: strings.TrimSuffix(web.String(), "/"), blobs: forgekit.NewBlobs(opts.BlobCacheBytes), quotas: quotas,
		diffRefs: map[mergeRequestHead]gl.MergeRequestDiffRefs{}}, nil
}

// project is the path GitLab knows a repository by: its group path and its
// name, which client-go escapes into one path segment.
func project(repo forge.Repo) string { return repo.Owner + "/" + repo.Name }

// user is the token's user as GET /user shows it to that user.
type user struct {
	username string
	// commitEmail is the email GitLab writes as author and committer of
	// the commits the user makes through the API.
	commitEmail string
}

// Login is the username of the token's user: the author of every note,
// status, commit and merge request the server writes, and the only one
// whose notes it trusts.
func (c *Client) Login(ctx context.Context) (string, error) {
	me, err := c.identity(ctx)
	return me.username, err
}

// identity reads the token's user once. client-go's User lacks
// commit_email, which GitLab shows a user about themselves
// (https://docs.gitlab.com/api/users/#retrieve-the-current-user).
func (c *Client) identity(ctx context.Context) (user, error) {
	c.mu.Lock()
	me := c.me
	c.mu.Unlock()
	if me.username != "" {
		return me, nil
	}
	req, err := c.api.NewRequest(http.MethodGet, "user", nil, []gl.RequestOptionFunc{gl.WithContext(ctx)})
	if err != nil {
		return user{}, fmt.Errorf("gitlab: %w", err)
	}
	var u struct {
		Username    string `json:"username"`
		Email       string `json:"email"`
		CommitEmail string `json:"commit_email"`
	}
	if _, err := c.api.Do(req, &u); err != nil {
		return user{}, fail(err, "read the token's user")
	}
	me = user{username: u.Username, commitEmail: cmp.Or(u.CommitEmail, u.Email)}
	c.mu.Lock()
	c.me = me
	c.mu.Unlock()
	return me, nil
}

// FileURL is the address of line (0 for none) of path at commit sha.
func (c *Client) FileURL(repo forge.Repo, sha, path string, line int) string {
	u := c.web + "/" + project(repo) + "/-/blob/" + sha + "/" + (&url.URL{Path: path}).EscapedPath()
	if line > 0 {
		u += fmt.Sprintf("#L%d", line)
	}
	return u
}

// mergeRequestURL is the web page of a merge request.
func (c *Client) mergeRequestURL(repo forge.Repo, iid int) string {
	return fmt.Sprintf("%s/%s/-/merge_requests/%d", c.web, project(repo), iid)
}
