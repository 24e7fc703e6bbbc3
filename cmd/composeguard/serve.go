package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/composeguard/composeguard/app/config"
	"github.com/composeguard/composeguard/app/dashboard"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
	"github.com/composeguard/composeguard/app/forge/github"
	"github.com/composeguard/composeguard/app/forge/gitlab"
	"github.com/composeguard/composeguard/app/jobs"
	"github.com/composeguard/composeguard/app/logging"
	"github.com/composeguard/composeguard/app/pages"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/app/registry"
	"github.com/composeguard/composeguard/app/review"
	"github.com/composeguard/composeguard/app/vulns"
	"github.com/composeguard/composeguard/deploy"
	"github.com/composeguard/composeguard/handlers"
)

// newReviewer builds the review flow on a forge's client, recording what
// it posts in store, listing the vulnerabilities of changed images with
// scanner when there is one and keeping each head's review in reports for
// its page; tests stand in for it.
var newReviewer = func(cfg config.Config, client review.Forge, store review.Store, scanner *vulns.Scanner, reports *queueStore, metrics *review.Metrics) (jobs.Reviewer, error) {
	r := &review.PullRequestReview{Forge: client, Store: store, RulesURL: cfg.RulesURL, Reports: reports, Metrics: metrics}
	if cfg.PublicURL != nil {
		r.Links = reports
	}
	if scanner != nil {
		r.Scanner = scanner
		r.Registry = func(caller string) (vulns.Digests, error) {
			c, err := serverRegistry(cfg)
			if err != nil {
				return nil, err
			}
			return c.For(caller), nil
		}
	}
	return r, nil
}

// reportLinks signs the links to report pages with the key the server
// keeps in its database; nil without a public URL, and then there are no
// report pages. The key is never logged.
func reportLinks(ctx context.Context, cfg config.Config, queue *jobs.Queue) (*pages.Links, error) {
	if cfg.PublicURL == nil {
		return nil, nil
	}
	key, err := queue.ReportLinkKey(ctx)
	if err != nil {
		return nil, err
	}
	return pages.NewLinks(cfg.PublicURL, key), nil
}

// setupPages registers the GitHub App of a server started with no
// credentials, exchanging the code GitHub returns only with the configured
// GitHub API and keeping the App in the data folder, for who can read the
// set-up code kept there; nil once configured.
func setupPages(cfg config.Config) (*handlers.Setup, error) {
	if !cfg.Setup {
		return nil, nil
	}
	code, codeFile, err := config.SetupCode(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("the set-up code: %w", err)
	}
	web := &url.URL{Scheme: cfg.GitHubAPIURL.Scheme, Host: cfg.GitHubAPIURL.Host, Path: "/"}
	if web.Host == "api.github.com" {
		web.Host = "github.com"
	}
	return &handlers.Setup{Public: cfg.PublicURL, GitHubWeb: web, Manifest: deploy.GitHubAppManifest, DataDir: cfg.DataDir,
		Code: code, CodeFile: codeFile, Register: func(ctx context.Context, code string) (handlers.RegisteredApp, error) {
			app, err := github.ConvertManifest(ctx, cfg.GitHubAPIURL.String(), code)
			if err != nil {
				return handlers.RegisteredApp{}, err
			}
			path, err := config.SaveApp(cfg.DataDir, config.StoredApp{ID: app.ID, Slug: app.Slug,
				PEM: config.Secret(app.PEM), WebhookSecret: config.Secret(app.WebhookSecret)})
			return handlers.RegisteredApp{ID: app.ID, Name: app.Name, URL: app.URL, Path: path}, err
		}}, nil
}

// setupAddress is where the set-up page is, as the log says.
func setupAddress(cfg config.Config) string {
	if cfg.PublicURL == nil {
		return "/setup (set COMPOSEGUARD_PUBLIC_URL first)"
	}
	return cfg.PublicURL.JoinPath("setup").String()
}

// newScanner makes the vulnerability scanner the reviews and the image
// updates share; nil when COMPOSEGUARD_TRIVY is not set.
func newScanner(cfg config.Config, logger *slog.Logger) (*vulns.Scanner, error) {
	if cfg.Trivy == "" {
		return nil, nil
	}
	return vulns.New(vulns.Options{Trivy: cfg.Trivy, Server: cfg.TrivyServer, Token: cfg.TrivyToken.Reveal(),
		CacheDir: cfg.TrivyCacheDir, Timeout: cfg.TrivyTimeout, Logger: logger})
}

// serverRegistry is a registry client made with the server's settings.
func serverRegistry(cfg config.Config) (*registry.Client, error) {
	return newRegistry(registrySettings{mirrors: cfg.RegistryMirrors, authFile: cfg.RegistryAuthFile,
		allowPrivate: cfg.RegistryAllowPrivate, credentialsScope: cfg.RegistryCredentialsScope})
}

// flows are what the server runs on the forges' clients.
type flows struct {
	// reviewers review pull requests on each forge the server serves.
	reviewers jobs.ByForge
	// bump schedules the image updates of each forge that can list what
	// it may act on.
	bump jobs.BumpOptions
	// quotas are each client's rate limits.
	quotas jobs.QuotasByForge
	// dashboards makes each forge's dashboard flow on the store that
	// keeps the trends, the job queue's database, once it is open.
	dashboards func(store dashboard.Store) jobs.DashboardByForge
}

// serverMetrics are the metrics the forge clients and the review flow
// keep; the zero value keeps none.
type serverMetrics struct {
	apiCalls *forgekit.APICalls
	findings *review.Metrics
}

func newServerMetrics(reg prometheus.Registerer) (serverMetrics, error) {
	calls, err := forgekit.NewAPICalls(reg)
	if err != nil {
		return serverMetrics{}, err
	}
	findings, err := review.NewMetrics(reg)
	return serverMetrics{apiCalls: calls, findings: findings}, err
}

// newReviewers builds the flows of each forge the server serves; the review
// and the image updates list vulnerabilities with scanner when there is one;
// the review records what it posts in store and keeps each head's review in
// reports for its page.
func newReviewers(cfg config.Config, store review.Store, scanner *vulns.Scanner, reports *queueStore, m serverMetrics, logger *slog.Logger) (flows, error) {
	reviewers := jobs.ByForge{}
	quotas := jobs.QuotasByForge{}
	clients := map[forge.Kind]serverForge{}
	listing := map[forge.Kind]bool{} // the forges whose repositories can be listed
	if cfg.UsesGitHub() {
		client, err := newGitHubClient(cfg, m.apiCalls)
		if err != nil {
			return flows{}, fmt.Errorf("github client: %w", err)
		}
		if reviewers[forge.GitHub], err = newReviewer(cfg, client, store, scanner, reports, m.findings); err != nil {
			return flows{}, fmt.Errorf("review flow: %w", err)
		}
		quotas[forge.GitHub] = client
		clients[forge.GitHub] = client
		// A token has no installations to list.
		if cfg.UsesApp() {
			listing[forge.GitHub] = true
		} else {
			logger.Info("scheduled image update pull requests on GitHub need a GitHub App; they are off with a token")
		}
	}
	if cfg.UsesGitLab() {
		client, err := gitlab.New(gitlab.Options{URL: cfg.GitLabURL.String(), Token: cfg.GitLabToken.Reveal(), APICalls: m.apiCalls})
		if err != nil {
			return flows{}, fmt.Errorf("gitlab client: %w", err)
		}
		if reviewers[forge.GitLab], err = newReviewer(cfg, client, store, scanner, reports, m.findings); err != nil {
			return flows{}, fmt.Errorf("review flow: %w", err)
		}
		clients[forge.GitLab] = client
		quotas[forge.GitLab] = client
		listing[forge.GitLab] = true
	}
	runners := pullRunners(cfg, clients, scanner, logger)
	f := flows{reviewers: reviewers, quotas: quotas, dashboards: func(store dashboard.Store) jobs.DashboardByForge {
		out := jobs.DashboardByForge{}
		for kind, client := range clients {
			out[kind] = dashboard.New(dashboard.Options{Forge: client, Store: store, Actions: runners[kind],
				Logger: logger.With("forge", kind)})
		}
		return out
	}}
	bumpers := jobs.BumpByForge{}
	for kind := range listing {
		bumpers[kind] = runners[kind]
	}
	if len(bumpers) > 0 {
		f.bump = jobs.BumpOptions{Schedule: cfg.BumpSchedule, Bumper: bumpers, Spread: cfg.BumpSpread, Reserve: cfg.BumpReserve}
	}
	return f, nil
}

// serverForge is what the server's flows use of a forge's client.
type serverForge interface {
	pulls.Forge
	dashboard.Forge
}

// pullRunners makes the flow of composeguard's pull requests on each
// forge's client: the scheduled image updates (at COMPOSEGUARD_BUMP_SCHEDULE)
// and the hardening a dashboard's box asks for. Each scheduled run of a
// forge shares one registry client made with the server's settings.
func pullRunners(cfg config.Config, clients map[forge.Kind]serverForge, scanner *vulns.Scanner, logger *slog.Logger) map[forge.Kind]*pulls.Runner {
	newRunRegistry := func() (pulls.Registries, error) {
		c, err := serverRegistry(cfg)
		if err != nil {
			return nil, err
		}
		return pulls.RegistriesOf[*registry.Client](c), nil
	}
	runners := map[forge.Kind]*pulls.Runner{}
	for kind, client := range clients {
		runners[kind] = pulls.New(pulls.Options{Forge: client, Logger: logger.With("forge", kind), NewRegistry: newRunRegistry, Scanner: scanner})
	}
	return runners
}

// newGitHubClient acts as the GitHub App, one installation token per
// installation, or with the token; on GitHub Enterprise Server when the API
// URL says so.
func newGitHubClient(cfg config.Config, calls *forgekit.APICalls) (*github.Client, error) {
	opts := github.Options{APIURL: cfg.GitHubAPIURL.String(), APICalls: calls}
	if cfg.UsesApp() {
		opts.AppID, opts.PrivateKey = cfg.AppID, []byte(cfg.PrivateKey.Reveal())
		return github.NewAppClient(opts)
	}
	opts.Token = cfg.Token.Reveal()
	return github.NewTokenClient(opts)
}

// queueStore is the queue as the reviews' store and that of their report
// pages, set once the queue is open: the reviewers the queue runs are made
// before it, and run only after it starts.
type queueStore struct {
	*jobs.Queue
	links *pages.Links
}

// Report is the signed link to a report page, "" before the queue opens.
func (s *queueStore) Report(key string, now time.Time) string {
	if s == nil {
		return ""
	}
	return s.links.Report(key, now)
}

// serveMemoryLimit is the soft limit of the Go runtime's memory in serve:
// deploy/compose.yaml gives the container 512 MB, and what the runtime does
// not manage (SQLite's page cache, the binary) needs some of it.
const serveMemoryLimit = 384 << 20

const (
	// httpDrainTimeout lets requests in flight finish on shutdown; they
	// are acknowledgements, so they are quick.
	httpDrainTimeout = 10 * time.Second
	// jobDrainTimeout lets running reviews finish; the rest are cancelled
	// and run again after the next start. Together they stay within the
	// 30 s a container runtime usually waits before SIGKILL.
	jobDrainTimeout = 15 * time.Second
)

// serve runs the server until SIGINT or SIGTERM.
func serve(args []string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runServer(ctx, args, os.Getenv, stderr)
}

// runServer runs the server until ctx is done: 0 after a clean shutdown, 1
// when it fails, 2 for a bad setting. Logs are JSON on stderr.
func runServer(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, err := config.Load(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "composeguard serve: %v\n", err)
		return 2
	}
	// Lines logged with a delivery's or a job's context name it (app/logging).
	logger := slog.New(logging.Handler(slog.NewJSONHandler(stderr, nil)))
	if err := runWith(ctx, cfg, logger); err != nil {
		logger.Error("composeguard serve stopped", "error", err)
		return 1
	}
	return 0
}

func runWith(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	softMemoryLimit(serveMemoryLimit)
	logger.Info("starting composeguard serve", "config", cfg)
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	scanner, err := newScanner(cfg, logger)
	if err != nil {
		return err
	}
	if scanner != nil {
		// Closed last, once the jobs using it have drained.
		defer scanner.Close()
	}
	m, err := newServerMetrics(metrics)
	if err != nil {
		return err
	}
	// The reviews keep their records and report pages in the queue's
	// database, opened after them: it runs them.
	store := &queueStore{}
	f, err := newReviewers(cfg, store, scanner, store, m, logger)
	if err != nil {
		return err
	}
	// Filled once the queue, whose database keeps their trends, is open;
	// the jobs read it only after Start.
	dashboards := jobs.DashboardByForge{}
	var reviewer jobs.Reviewer = f.reviewers
	if cfg.Setup {
		// Nothing to review until the App is registered and the server restarted.
		reviewer = nil
		logger.Info("no GitHub or GitLab credentials: serving the set-up page", "setup", setupAddress(cfg),
			"code_file", filepath.Join(cfg.DataDir, config.SetupCodeFile))
	}
	setup, err := setupPages(cfg)
	if err != nil {
		return err
	}
	queue, err := jobs.Open(ctx, cfg.DatabaseURL.Reveal(), jobs.Options{Reviewer: reviewer, Workers: cfg.ReviewWorkers, JobTimeout: cfg.JobTimeout,
		RescueAfter: cfg.RescueAfter, Logger: logger, Registerer: metrics, Bump: f.bump, Quotas: f.quotas, Dashboard: dashboards})
	if err != nil {
		return err
	}
	defer queue.Close()
	maps.Copy(dashboards, f.dashboards(queue))
	if store.links, err = reportLinks(ctx, cfg, queue); err != nil {
		return err
	}
	store.Queue = queue

	routes, err := handlers.New(handlers.Options{
		WebhookSecret:       []byte(cfg.WebhookSecret.Reveal()),
		GitLabWebhookSecret: []byte(cfg.GitLabWebhookSecret.Reveal()),
		AppID:               cfg.AppID,
		ReviewDrafts:        cfg.ReviewDrafts,
		Dashboards:          true,
		Queue:               queue,
		Registry:            metrics,
		Logger:              logger,
		UnverifiedBodies:    cfg.UnverifiedBodies,
		TrustedProxies:      cfg.TrustedProxies,
		Links:               store.links,
		Setup:               setup,
	})
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           routes,
		ReadHeaderTimeout: 10 * time.Second,
		// GitHub waits 10 s for an answer (30 s on GitHub Enterprise
		// Server): a body still arriving later is no delivery, and it holds
		// a place among the unverified bodies.
		ReadTimeout:  30 * time.Second,
		WriteTimeout: time.Minute,
		IdleTimeout:  2 * time.Minute,
		// GitHub's headers take a few KB; Go's default lets each request
		// hold 1 MB of them before anything is checked.
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	// The queue stops when told, after the server, not when ctx ends.
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		listener.Close()
		return fmt.Errorf("start jobs: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	logger.Info("listening", "addr", listener.Addr().String(), "replica", queue.Replica())

	select {
	case err = <-served:
	case <-ctx.Done():
		logger.Info("shutting down")
	}
	return errors.Join(err, shutdown(server, queue))
}

// shutdown stops taking deliveries, then drains the jobs.
func shutdown(server *http.Server, queue *jobs.Queue) error {
	httpCtx, cancel := context.WithTimeout(context.Background(), httpDrainTimeout)
	defer cancel()
	httpErr := server.Shutdown(httpCtx)
	if errors.Is(httpErr, http.ErrServerClosed) {
		httpErr = nil
	}
	jobCtx, cancel := context.WithTimeout(context.Background(), jobDrainTimeout)
	defer cancel()
	return errors.Join(httpErr, queue.Stop(jobCtx))
}
