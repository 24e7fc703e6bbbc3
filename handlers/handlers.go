// Package handlers is the HTTP edge of `composeguard serve`: it verifies
// and acknowledges webhook deliveries by queueing work, answers health,
// readiness and metrics requests, and serves the web pages (pages.go). It
// never calls a forge itself: the set-up page's one call goes through
// Setup.Register.
package handlers

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
	"github.com/composeguard/composeguard/app/pages"
)

// Queue is what the handlers need of app/jobs.
type Queue interface {
	// Enqueue records a delivery and queues its review in one transaction.
	Enqueue(ctx context.Context, d jobs.Delivery, req forge.ReviewRequest) (jobs.Outcome, error)
	// EnqueueDashboard records a delivery and queues the refresh of a
	// repository's security dashboard in one transaction.
	EnqueueDashboard(ctx context.Context, d jobs.Delivery, repo forge.Repository) (jobs.Outcome, error)
	// DashboardIssue is the dashboard issue the server last wrote in a
	// repository, for an issue edit to be acted on.
	DashboardIssue(ctx context.Context, repo forge.Repo) (number int, body string, found bool, err error)
	// PullRequestForHead finds the pull request a head belongs to.
	PullRequestForHead(ctx context.Context, repo forge.Repo, headSHA string) (int, bool, error)
	// Ready reports whether the queue can take work.
	Ready(ctx context.Context) error
	// Review is the review kept under a report page's key.
	Review(ctx context.Context, key string) (pages.Review, bool, error)
	// DefaultBranchReview is the last review kept into a repository's
	// default branch, for its badge.
	DefaultBranchReview(ctx context.Context, kind forge.Kind, repo string) (pages.Review, bool, error)
	// Scores are the default branch's newest scores the dashboard kept.
	Scores(ctx context.Context, repo forge.Repo, n int) ([]jobs.ScorePoint, error)
}

var _ Queue = (*jobs.Queue)(nil)

// Options configure the routes.
type Options struct {
	// WebhookSecret verifies X-Hub-Signature-256 on /webhooks/github;
	// GitLabWebhookSecret is the X-Gitlab-Token of /webhooks/gitlab. A
	// route is served only with its secret, and one at least must be set.
	WebhookSecret       []byte
	GitLabWebhookSecret []byte
	// AppID is the GitHub App whose check runs may be re-run; 0 when the
	// server uses a token, and then runs named forge.CheckName are.
	AppID        int64
	ReviewDrafts bool
	// Dashboards makes pushes to a default branch and edits of issues
	// refresh the security dashboards; without it they are ignored, as
	// the queue then has no dashboard job.
	Dashboards bool
	Queue      Queue
	// Registry holds the metrics /metrics shows; nil makes a new one.
	Registry *prometheus.Registry
	Logger   *slog.Logger
	// MaxBody defaults to MaxWebhookBody.
	MaxBody int64
	// UnverifiedBodies is how many webhook bodies are read at once before
	// their signature is checked (default DefaultUnverifiedBodies).
	UnverifiedBodies int
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// in the log; none by default.
	TrustedProxies []*net.IPNet
	// Links checks the signed links of report pages; nil serves none.
	Links *pages.Links
	// Now is the clock links and cached badges expire by (time.Now when
	// nil).
	Now func() time.Time
	// Setup serves the set-up pages (setup.go), only to a server with no
	// webhook secret: a server with credentials answers /setup 404.
	Setup *Setup
}

// New builds the echo server with every route.
func New(opts Options) (*echo.Echo, error) {
	if len(opts.WebhookSecret) == 0 && len(opts.GitLabWebhookSecret) == 0 && opts.Setup == nil {
		return nil, errors.New("an empty webhook secret would accept any delivery")
	}
	if opts.Setup != nil && (len(opts.WebhookSecret) > 0 || len(opts.GitLabWebhookSecret) > 0) {
		return nil, errors.New("the setup pages are for a server with no credentials")
	}
	if opts.Queue == nil {
		return nil, errors.New("no queue")
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, err
	}
	// One gate for every route: the bound is the server's.
	bodies := newBodyGate(cmp.Or(opts.MaxBody, MaxWebhookBody), cmp.Or(opts.UnverifiedBodies, DefaultUnverifiedBodies))

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = clientIP(opts.TrustedProxies)
	if len(opts.WebhookSecret) > 0 {
		gh := &githubWebhook{secret: opts.WebhookSecret, appID: opts.AppID, reviewDrafts: opts.ReviewDrafts, dashboards: opts.Dashboards,
			bodies: bodies, queue: opts.Queue, metrics: m, logger: opts.Logger}
		e.POST("/webhooks/github", gh.serve)
	}
	if len(opts.GitLabWebhookSecret) > 0 {
		gl := &gitlabWebhook{secret: opts.GitLabWebhookSecret, reviewDrafts: opts.ReviewDrafts, dashboards: opts.Dashboards,
			bodies: bodies, queue: opts.Queue, metrics: m, logger: opts.Logger}
		e.POST("/webhooks/gitlab", gl.serve)
	}
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", readiness(opts.Queue, opts.Logger))
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})))
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	e.GET("/rules", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "rules/") })
	e.GET("/rules/", rulesIndex)
	e.GET("/rules/:id", rulePage)
	e.GET("/badge/:forge/*", (&badges{queue: opts.Queue, now: now, cache: map[string]cachedBadge{}}).serve)
	if opts.Setup != nil {
		setup := newSetupPages(*opts.Setup, opts.Logger)
		e.GET("/setup", setup.show)
		e.POST("/setup", setup.begin)
		e.GET("/setup/callback", setup.callback)
	}
	if opts.Links != nil {
		e.GET("/report/:key", (&reportPage{links: opts.Links, queue: opts.Queue, now: now}).serve)
	}
	return e, nil
}
