// Package config reads the settings of `composeguard serve` from the
// environment and from flags, a flag winning over its variable. A missing or
// malformed setting is an error naming it; secrets never appear in errors,
// String or logs.
package config

import (
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/cron"
)

// Config is everything serve needs to start.
type Config struct {
	Listen string
	// DatabaseURL is where jobs and deliveries are kept: sqlite:// and the
	// file's absolute path, or a postgres:// URL.
	DatabaseURL DatabaseURL
	// GitHubAPIURL ends with a slash, as go-github requires of a base URL.
	GitHubAPIURL *url.URL

	// A GitHub App (AppID and PrivateKey) or a Token, never both.
	AppID          int64
	PrivateKeyFile string // where PrivateKey came from, when it came from a file
	PrivateKey     Secret // PEM of an RSA key
	Token          Secret

	WebhookSecret Secret

	// GitLab, when GitLabToken is set: the instance (its address, ending
	// with a slash), the token and the webhook's secret token.
	GitLabURL           *url.URL
	GitLabToken         Secret
	GitLabWebhookSecret Secret

	ReviewDrafts bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client a log line shows; none by default.
	TrustedProxies []*net.IPNet
	// UnverifiedBodies is how many webhook bodies are read at once before
	// their signature is checked.
	UnverifiedBodies int
	// ReviewWorkers is how many jobs (reviews, image update runs) one
	// process runs at once.
	ReviewWorkers int
	// JobTimeout bounds one attempt of a review; RescueAfter is how long
	// after an attempt started a review a dead process left running is run
	// again.
	JobTimeout  time.Duration
	RescueAfter time.Duration

	// BumpSchedule is when scheduled image update pull requests run; the
	// registry settings are read as `composeguard bump` reads them, and the
	// credentials scope says which repositories the credentials serve.
	BumpSchedule cron.Schedule
	// BumpSpread is how long from its start a run spreads its
	// repositories over; BumpReserve the share (0 to 0.9) of each
	// installation's rate limit image updates leave to reviews.
	BumpSpread               time.Duration
	BumpReserve              float64
	RegistryMirrors          string
	RegistryAuthFile         string
	RegistryCredentialsScope string
	RegistryAllowPrivate     string

	// Trivy, when set, is the trivy executable that scans the images pull
	// requests add or change and image updates propose; TrivyServer the
	// `trivy server` it is a client of ("" for standalone) and TrivyToken
	// that server's token.
	Trivy         string
	TrivyServer   string
	TrivyToken    Secret
	TrivyCacheDir string
	TrivyTimeout  time.Duration

	// PublicURL is the server's address as a forge's users reach it,
	// ending with a slash; nil when not set, and then no comment links a
	// page of the server's. RulesURL is what a rule id is appended to for
	// the rule links of comments. DataDir is the absolute folder the
	// server keeps files in besides its database.
	PublicURL *url.URL
	RulesURL  string
	DataDir   string

	// Setup is set when no forge is configured, nor an App stored in the
	// data folder: the server serves the setup page, and reviews nothing.
	Setup bool
}

// UsesGitHub reports whether the server reviews GitHub pull requests.
func (c Config) UsesGitHub() bool { return c.WebhookSecret != "" }

// UsesGitLab reports whether the server reviews GitLab merge requests.
func (c Config) UsesGitLab() bool { return c.GitLabToken != "" }

// UsesApp reports whether the server authenticates as a GitHub App rather
// than with a token.
func (c Config) UsesApp() bool { return c.AppID != 0 }

// LogValue shows every setting but the secrets.
func (c Config) LogValue() slog.Value {
	auth := slog.String("auth", "token")
	if c.UsesApp() {
		auth = slog.Group("app",
			slog.Int64("id", c.AppID),
			slog.String("private_key_file", c.PrivateKeyFile),
			slog.Any("private_key", c.PrivateKey))
	}
	apiURL := ""
	if c.GitHubAPIURL != nil {
		apiURL = c.GitHubAPIURL.String()
	}
	gitlabURL := ""
	if c.GitLabURL != nil {
		gitlabURL = c.GitLabURL.String()
	}
	publicURL := ""
	if c.PublicURL != nil {
		publicURL = c.PublicURL.String()
	}
	proxies := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		proxies[i] = p.String()
	}
	return slog.GroupValue(
		slog.String("listen", c.Listen),
		slog.Any("database", c.DatabaseURL),
		slog.String("github_api_url", apiURL),
		auth,
		slog.Any("token", c.Token),
		slog.Any("webhook_secret", c.WebhookSecret),
		slog.Group("gitlab", slog.String("url", gitlabURL), slog.Any("token", c.GitLabToken), slog.Any("webhook_secret", c.GitLabWebhookSecret)),
		slog.Bool("review_drafts", c.ReviewDrafts),
		slog.String("trusted_proxies", strings.Join(proxies, ",")),
		slog.Int("unverified_bodies", c.UnverifiedBodies),
		slog.Int("review_workers", c.ReviewWorkers),
		slog.Duration("job_timeout", c.JobTimeout),
		slog.Duration("rescue_after", c.RescueAfter),
		slog.String("bump_schedule", c.BumpSchedule.String()),
		slog.Duration("bump_spread", c.BumpSpread),
		slog.Float64("bump_reserve", c.BumpReserve),
		slog.String("registry_mirrors", c.RegistryMirrors),
		slog.String("registry_auth_file", c.RegistryAuthFile),
		slog.String("registry_credentials_scope", c.RegistryCredentialsScope),
		slog.String("registry_allow_private", c.RegistryAllowPrivate),
		slog.String("public_url", publicURL),
		slog.String("rules_url", c.RulesURL),
		slog.String("data_dir", c.DataDir),
		slog.Bool("setup", c.Setup),
		slog.Group("trivy", slog.String("executable", c.Trivy), slog.String("server", c.TrivyServer), slog.Any("token", c.TrivyToken),
			slog.String("cache_dir", c.TrivyCacheDir), slog.Duration("timeout", c.TrivyTimeout)),
	)
}

func (c Config) String() string { return c.LogValue().String() }

// DatabaseURL is a database's URL, which may carry a password: printed or
// logged, it shows everything but the password.
type DatabaseURL string

// Reveal returns the URL itself.
func (u DatabaseURL) Reveal() string { return string(u) }

// String shows the URL with its password, in the user part or the
// password parameter, replaced by xxxxx as url.URL.Redacted does.
func (u DatabaseURL) String() string {
	parsed, err := url.Parse(string(u))
	if err != nil {
		// Load refuses such a URL; anything else shows as nothing.
		return ""
	}
	if q := parsed.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		parsed.RawQuery = q.Encode()
	}
	return parsed.Redacted()
}

// GoString keeps %#v from printing the password.
func (u DatabaseURL) GoString() string { return strconv.Quote(u.String()) }

// LogValue keeps slog from printing the password.
func (u DatabaseURL) LogValue() slog.Value { return slog.StringValue(u.String()) }

// Secret is a value that must never be printed: every way of formatting or
// logging it shows a placeholder. Reveal gives the value to the code that
// needs it.
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// String shows whether the secret is set, never what it is.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
