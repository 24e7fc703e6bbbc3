package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/cron"
	"github.com/composeguard/composeguard/app/registry"
	"github.com/composeguard/composeguard/checks"
)

// setting is one variable and its flag.
type setting struct {
	env, flag, usage, fallback string
}

// The settings, in the order -help lists them.
var (
	listenSetting        = setting{"COMPOSEGUARD_LISTEN", "listen", "address to listen on", ":8080"}
	databaseSetting      = setting{"COMPOSEGUARD_DATABASE_URL", "database-url", "sqlite:///abs/path.db, sqlite://relative.db, or postgres://user:password@host/database for several replicas; prefer the variable when it holds a password", "sqlite://composeguard.db"}
	apiURLSetting        = setting{"GITHUB_API_URL", "github-api-url", "GitHub API base URL (GitHub Enterprise Server: https://HOST/api/v3/)", "https://api.github.com/"}
	appIDSetting         = setting{"GITHUB_APP_ID", "github-app-id", "GitHub App ID", ""}
	keyFileSetting       = setting{"GITHUB_APP_PRIVATE_KEY_FILE", "github-app-private-key-file", "file holding the GitHub App's private key (PEM)", ""}
	keySetting           = setting{"GITHUB_APP_PRIVATE_KEY", "github-app-private-key", "the GitHub App's private key (PEM); prefer the variable or the file", ""}
	tokenSetting         = setting{"GITHUB_TOKEN", "github-token", "token for a single repository instead of an App; prefer the variable", ""}
	webhookSecretSetting = setting{"GITHUB_WEBHOOK_SECRET", "github-webhook-secret", "secret GitHub signs webhook deliveries with (required); prefer the variable", ""}
	draftsSetting        = setting{"COMPOSEGUARD_REVIEW_DRAFTS", "review-drafts", "review draft pull requests (true or false)", "true"}
	proxiesSetting       = setting{"COMPOSEGUARD_TRUSTED_PROXIES", "trusted-proxies", "reverse proxies whose X-Forwarded-For names the client in the log: addresses or CIDR ranges, comma-separated", ""}
	bodiesSetting        = setting{"COMPOSEGUARD_UNVERIFIED_BODIES", "unverified-bodies", "how many webhook bodies are read at once before their signature is checked; more are answered 503", "8"}
	workersSetting       = setting{"COMPOSEGUARD_REVIEW_WORKERS", "review-workers", "how many reviews (and image update runs) one process runs at once, 1 to 256; empty: 8 per CPU Go uses (GOMAXPROCS)", ""}
	jobTimeoutSetting    = setting{"COMPOSEGUARD_JOB_TIMEOUT", "job-timeout", "longest one attempt of a review may run, like 30s or 2m", "30s"}
	rescueAfterSetting   = setting{"COMPOSEGUARD_RESCUE_AFTER", "rescue-after", "how long after its attempt started a review left running by a replica that died is run by another; longer than the job timeout", "45s"}
	bumpScheduleSetting  = setting{"COMPOSEGUARD_BUMP_SCHEDULE", "bump-schedule", "when image update pull requests are opened: a cron expression in UTC", "0 6 * * 1"}
	bumpSpreadSetting    = setting{"COMPOSEGUARD_BUMP_SPREAD", "bump-spread", "how long from its start a scheduled run spreads its repositories over, each at a time of its own (0: all at once); shorter than the time between two runs", "1h"}
	bumpReserveSetting   = setting{"COMPOSEGUARD_BUMP_RESERVE", "bump-reserve", "the share of each installation's API rate limit kept for reviews: image updates wait for the reset once less remains, like 20%", "20%"}
	mirrorsSetting       = setting{"COMPOSEGUARD_REGISTRY_MIRRORS", "registry-mirrors", "registry mirrors for image lookups: registry=mirror,…", ""}
	authFileSetting      = setting{"COMPOSEGUARD_REGISTRY_AUTH_FILE", "registry-auth-file", "a docker config.json whose auths are the registry credentials", ""}
	scopeSetting         = setting{registry.CredentialsScopeSetting, "registry-credentials-scope", "which repositories may use which registry's credentials: registry=owner/*,owner/name;… (* for all); required with the auth file", ""}
	allowPrivateSetting  = setting{registry.AllowPrivateSetting, "registry-allow-private", "registries on loopback, private or link-local addresses image lookups may reach: host[:port], IP or CIDR, comma-separated", ""}

	trivySetting         = setting{"COMPOSEGUARD_TRIVY", "trivy", "the trivy executable (a path, or a name on the PATH) that lists the vulnerabilities of the images pull requests add or change and image updates propose; empty: off", ""}
	trivyServerSetting   = setting{"COMPOSEGUARD_TRIVY_SERVER", "trivy-server", "address of a trivy server holding the vulnerability database, for client/server mode, like http://trivy:4954; empty: standalone", ""}
	trivyTokenSetting    = setting{"COMPOSEGUARD_TRIVY_TOKEN", "trivy-token", "the token the trivy server was started with (its --token); prefer the variable", ""}
	trivyCacheDirSetting = setting{"COMPOSEGUARD_TRIVY_CACHE_DIR", "trivy-cache-dir", "Trivy's cache folder, which holds its database in standalone mode; empty: trivy in the user's cache folder", ""}
	trivyTimeoutSetting  = setting{"COMPOSEGUARD_TRIVY_TIMEOUT", "trivy-timeout", "longest one image's scan may run, like 90s or 2m", "1m"}

	gitlabURLSetting    = setting{"GITLAB_URL", "gitlab-url", "GitLab instance, gitlab.com or a self-managed https://HOST; /api/v4 is appended", "https://gitlab.com"}
	gitlabTokenSetting  = setting{"GITLAB_TOKEN", "gitlab-token", "a GitLab bot user's, project or group access token with the api scope, sent as PRIVATE-TOKEN; prefer the variable", ""}
	gitlabSecretSetting = setting{"GITLAB_WEBHOOK_SECRET", "gitlab-webhook-secret", "the secret token of the GitLab webhook (required with GITLAB_TOKEN); prefer the variable", ""}

	publicURLSetting = setting{"COMPOSEGUARD_PUBLIC_URL", "public-url", "the server's address as a forge's users reach it, like https://composeguard.example.com/: rule pages and report pages are linked from comments with it; empty: none", ""}
	rulesURLSetting  = setting{"COMPOSEGUARD_RULES_URL", "rules-url", "where the rule links of comments point, the rule id appended; empty: the server's own /rules/ pages with a public URL, else checks/README.md on GitHub", ""}
	dataDirSetting   = setting{"COMPOSEGUARD_DATA_DIR", "data-dir", "folder for what the server keeps beside its database (the GitHub App the setup page registers); empty: the SQLite database's folder, or the working folder with PostgreSQL", ""}

	allSettings = []setting{gitlabURLSetting, gitlabTokenSetting, gitlabSecretSetting, listenSetting, databaseSetting, apiURLSetting, appIDSetting, keyFileSetting,
		keySetting, tokenSetting, webhookSecretSetting, draftsSetting, proxiesSetting, bodiesSetting, workersSetting, jobTimeoutSetting, rescueAfterSetting,
		bumpScheduleSetting, bumpSpreadSetting, bumpReserveSetting, mirrorsSetting, authFileSetting, scopeSetting, allowPrivateSetting,
		trivySetting, trivyServerSetting, trivyTokenSetting, trivyCacheDirSetting, trivyTimeoutSetting,
		publicURLSetting, rulesURLSetting, dataDirSetting}
)

// maxUnverifiedBodies keeps COMPOSEGUARD_UNVERIFIED_BODIES from undoing the
// bound it sets: 64 bodies of 2 MiB hold 128 MiB.
const maxUnverifiedBodies = 64

// maxReviewWorkers bounds COMPOSEGUARD_REVIEW_WORKERS: each review may hold
// up to its budget of files in memory.
const maxReviewWorkers = 256

// Error says which setting is wrong and why, without its value.
type Error struct {
	Env, Flag string
	Problem   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (--%s) %s", e.Env, e.Flag, e.Problem)
}

func (s setting) errorf(format string, args ...any) error {
	return &Error{Env: s.env, Flag: s.flag, Problem: fmt.Sprintf(format, args...)}
}

// Load reads the settings from args (serve's flags) and getenv. Usage and
// flag errors are written to output; -help returns flag.ErrHelp.
func Load(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	value, err := read("composeguard serve", allSettings, args, getenv, output)
	if err != nil {
		return Config{}, err
	}
	return resolve(value)
}

// LoadDatabase reads the one setting `composeguard migrate` needs, the
// database URL, as Load does.
func LoadDatabase(args []string, getenv func(string) string, output io.Writer) (DatabaseURL, error) {
	value, err := read("composeguard migrate", []setting{databaseSetting}, args, getenv, output)
	if err != nil {
		return "", err
	}
	return parseDatabaseURL(value(databaseSetting))
}

// read parses the flags of settings in args and returns each setting's
// value: its flag's, else its variable's, else its fallback.
func read(name string, settings []setting, args []string, getenv func(string) string, output io.Writer) (func(setting) string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	flags := make(map[string]*string, len(settings))
	for _, s := range settings {
		usage := fmt.Sprintf("%s (env %s)", s.usage, s.env)
		if s.fallback != "" {
			usage += fmt.Sprintf(" (default %q)", s.fallback)
		}
		// The default shown by -help must never be a value from the
		// environment: it may be a secret.
		flags[s.flag] = fs.String(s.flag, "", usage)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return func(s setting) string {
		if set[s.flag] {
			return *flags[s.flag]
		}
		if v := getenv(s.env); v != "" {
			return v
		}
		return s.fallback
	}, nil
}

// resolve checks every setting and builds the Config.
func resolve(value func(setting) string) (Config, error) {
	var c Config
	var err error

	c.Listen = value(listenSetting)
	if _, _, splitErr := net.SplitHostPort(c.Listen); splitErr != nil {
		return Config{}, listenSetting.errorf("must be host:port or :port, got %q", c.Listen)
	}
	if c.DatabaseURL, err = parseDatabaseURL(value(databaseSetting)); err != nil {
		return Config{}, err
	}
	if c.GitHubAPIURL, err = parseURL(apiURLSetting, value(apiURLSetting)); err != nil {
		return Config{}, err
	}
	if err := resolvePages(&c, value); err != nil {
		return Config{}, err
	}
	if err := resolveForges(&c, value); err != nil {
		return Config{}, err
	}
	if c.ReviewDrafts, err = strconv.ParseBool(value(draftsSetting)); err != nil {
		return Config{}, draftsSetting.errorf("must be true or false, got %q", value(draftsSetting))
	}
	if c.TrustedProxies, err = parseProxies(value(proxiesSetting)); err != nil {
		return Config{}, err
	}
	if c.UnverifiedBodies, err = strconv.Atoi(value(bodiesSetting)); err != nil || c.UnverifiedBodies < 1 || c.UnverifiedBodies > maxUnverifiedBodies {
		return Config{}, bodiesSetting.errorf("must be a number from 1 to %d, got %q", maxUnverifiedBodies, value(bodiesSetting))
	}
	// A review mostly waits for the forge's answers: several per CPU keep
	// the CPUs busy auditing.
	c.ReviewWorkers = 8 * runtime.GOMAXPROCS(0)
	if v := value(workersSetting); v != "" {
		if c.ReviewWorkers, err = strconv.Atoi(v); err != nil || c.ReviewWorkers < 1 || c.ReviewWorkers > maxReviewWorkers {
			return Config{}, workersSetting.errorf("must be a number from 1 to %d, got %q", maxReviewWorkers, v)
		}
	}
	if c.JobTimeout, err = parseDuration(jobTimeoutSetting, value(jobTimeoutSetting)); err != nil {
		return Config{}, err
	}
	if c.RescueAfter, err = parseDuration(rescueAfterSetting, value(rescueAfterSetting)); err != nil {
		return Config{}, err
	}
	// Otherwise River would take a review still within its time for one a
	// dead process left running, and run it twice at once.
	if c.RescueAfter <= c.JobTimeout {
		return Config{}, rescueAfterSetting.errorf("must be longer than %s (%s), got %s", jobTimeoutSetting.env, c.JobTimeout, c.RescueAfter)
	}
	if err := resolveBump(&c, value); err != nil {
		return Config{}, err
	}
	return c, resolveTrivy(&c, value)
}

// resolvePages reads where the server's pages are and where rule links
// point.
func resolvePages(c *Config, value func(setting) string) error {
	if raw := value(publicURLSetting); raw != "" {
		u, err := parseURL(publicURLSetting, raw)
		if err != nil {
			return err
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return publicURLSetting.errorf("must be the server's address alone, without a query or fragment")
		}
		c.PublicURL = u
	}
	c.RulesURL = value(rulesURLSetting)
	switch {
	case c.RulesURL != "":
		if _, err := checkURL(rulesURLSetting, c.RulesURL); err != nil {
			return err
		}
	case c.PublicURL != nil:
		c.RulesURL = c.PublicURL.JoinPath("rules").String() + "/"
	default:
		c.RulesURL = checks.HelpBase
	}
	c.DataDir = value(dataDirSetting)
	if c.DataDir == "" {
		c.DataDir = "."
		if path, ok := strings.CutPrefix(c.DatabaseURL.Reveal(), "sqlite://"); ok {
			c.DataDir = filepath.Dir(path)
		}
	}
	var err error
	if c.DataDir, err = filepath.Abs(c.DataDir); err != nil {
		return dataDirSetting.errorf("cannot be resolved: %v", err)
	}
	return nil
}

// resolveTrivy reads the settings of vulnerability scans, which are off
// unless the executable is set.
func resolveTrivy(c *Config, value func(setting) string) error {
	var err error
	if c.TrivyTimeout, err = parseDuration(trivyTimeoutSetting, value(trivyTimeoutSetting)); err != nil {
		return err
	}
	c.TrivyServer, c.TrivyToken, c.TrivyCacheDir = value(trivyServerSetting), Secret(value(trivyTokenSetting)), value(trivyCacheDirSetting)
	executable := value(trivySetting)
	if executable == "" {
		for _, s := range []setting{trivyServerSetting, trivyTokenSetting, trivyCacheDirSetting} {
			if value(s) != "" {
				return s.errorf("needs %s, the trivy executable", trivySetting.env)
			}
		}
		return nil
	}
	// Resolved once, so a PATH changed later cannot swap the executable.
	if c.Trivy, err = exec.LookPath(executable); err != nil {
		return trivySetting.errorf("is not an executable file: %v", err)
	}
	if c.Trivy, err = filepath.Abs(c.Trivy); err != nil {
		return trivySetting.errorf("cannot be resolved: %v", err)
	}
	if c.TrivyServer != "" {
		u, err := checkURL(trivyServerSetting, c.TrivyServer)
		if err != nil {
			return err
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return trivyServerSetting.errorf("must be the server's address alone, like http://trivy:4954, without a query or fragment")
		}
		c.TrivyServer = strings.TrimSuffix(u.String(), "/")
	}
	if c.TrivyToken != "" && c.TrivyServer == "" {
		return trivyTokenSetting.errorf("needs %s: only a trivy server takes a token", trivyServerSetting.env)
	}
	return nil
}

// resolveBump reads the settings of scheduled image updates.
func resolveBump(c *Config, value func(setting) string) error {
	var err error
	if c.BumpSchedule, err = cron.Parse(value(bumpScheduleSetting)); err != nil {
		return bumpScheduleSetting.errorf("%v", err)
	}
	if c.BumpSpread, err = time.ParseDuration(value(bumpSpreadSetting)); err != nil || c.BumpSpread < 0 {
		return bumpSpreadSetting.errorf("must be a duration like 1h or 30m, or 0, got %q", value(bumpSpreadSetting))
	}
	// Otherwise one run's repositories would still be waiting when the
	// next run starts.
	next := c.BumpSchedule.Next(time.Now())
	if gap := c.BumpSchedule.Next(next).Sub(next); c.BumpSpread >= gap {
		return bumpSpreadSetting.errorf("must be shorter than the %s between two runs of %s, got %s", gap, bumpScheduleSetting.env, c.BumpSpread)
	}
	percent, ok := strings.CutSuffix(value(bumpReserveSetting), "%")
	reserve, err := strconv.Atoi(percent)
	if !ok || err != nil || reserve < 0 || reserve > 90 {
		return bumpReserveSetting.errorf("must be a percentage from 0%% to 90%%, got %q", value(bumpReserveSetting))
	}
	c.BumpReserve = float64(reserve) / 100
	c.RegistryMirrors = value(mirrorsSetting)
	if _, err := registry.ParseMirrors(c.RegistryMirrors); err != nil {
		return mirrorsSetting.errorf("%v", err)
	}
	c.RegistryAuthFile = value(authFileSetting)
	if c.RegistryAuthFile != "" {
		if _, err := os.Stat(c.RegistryAuthFile); err != nil {
			return authFileSetting.errorf("cannot be read: %v", err)
		}
	}
	// Every installed repository names the registries it likes: the
	// credentials go only where the operator said, and saying it is required.
	c.RegistryCredentialsScope = value(scopeSetting)
	if _, err := registry.ParseCredentialScope(c.RegistryCredentialsScope); err != nil {
		return scopeSetting.errorf("%v", strings.TrimPrefix(err.Error(), scopeSetting.env+": "))
	}
	if c.RegistryAuthFile != "" && c.RegistryCredentialsScope == "" {
		return scopeSetting.errorf("is required with %s: say which repositories may use which registry's credentials, like ghcr.io=my-org/*; *=* offers every credential to every repository", authFileSetting.env)
	}
	c.RegistryAllowPrivate = value(allowPrivateSetting)
	if _, err := registry.ParseAllowPrivate(c.RegistryAllowPrivate); err != nil {
		return allowPrivateSetting.errorf("%v", strings.TrimPrefix(err.Error(), allowPrivateSetting.env+": "))
	}
	return nil
}

// resolveForges reads the settings of GitHub, GitLab or both. GitHub's are
// required unless GitLab's are set: a GitLab-only server needs no GITHUB_*
// variable.
func resolveForges(c *Config, value func(setting) string) error {
	gitlab := value(gitlabTokenSetting) != "" || value(gitlabSecretSetting) != ""
	github := false
	for _, s := range []setting{appIDSetting, keyFileSetting, keySetting, tokenSetting, webhookSecretSetting} {
		github = github || value(s) != ""
	}
	if !github && !gitlab {
		return fromStoredApp(c)
	}
	if github {
		if err := resolveAuth(c, value); err != nil {
			return err
		}
		c.WebhookSecret = Secret(value(webhookSecretSetting))
		if c.WebhookSecret == "" {
			return webhookSecretSetting.errorf("is required: deliveries cannot be verified without it")
		}
	}
	if !gitlab {
		return nil
	}
	var err error
	if c.GitLabURL, err = parseURL(gitlabURLSetting, value(gitlabURLSetting)); err != nil {
		return err
	}
	c.GitLabToken, c.GitLabWebhookSecret = Secret(value(gitlabTokenSetting)), Secret(value(gitlabSecretSetting))
	if c.GitLabToken == "" {
		return gitlabTokenSetting.errorf("is required with %s: composeguard reviews through it", gitlabSecretSetting.env)
	}
	if c.GitLabWebhookSecret == "" {
		return gitlabSecretSetting.errorf("is required with %s: deliveries cannot be verified without it", gitlabTokenSetting.env)
	}
	return nil
}

// resolveAuth chooses between a GitHub App and a token.
func resolveAuth(c *Config, value func(setting) string) error {
	appID, keyFile, key := value(appIDSetting), value(keyFileSetting), value(keySetting)
	c.Token = Secret(value(tokenSetting))
	usesApp := appID != "" || keyFile != "" || key != ""
	switch {
	case usesApp && c.Token != "":
		return tokenSetting.errorf("cannot be combined with a GitHub App (%s): choose one", appIDSetting.env)
	case !usesApp && c.Token == "":
		return appIDSetting.errorf("is required: set it with %s or %s, or set %s",
			keyFileSetting.env, keySetting.env, tokenSetting.env)
	case !usesApp:
		return nil
	}

	id, err := strconv.ParseInt(appID, 10, 64)
	if appID == "" {
		return appIDSetting.errorf("is required with a private key")
	}
	if err != nil || id <= 0 {
		return appIDSetting.errorf("must be a positive number, got %q", appID)
	}
	c.AppID = id

	switch {
	case keyFile != "" && key != "":
		return keySetting.errorf("and %s are both set: choose one", keyFileSetting.env)
	case keyFile != "":
		pem, err := os.ReadFile(keyFile)
		if err != nil {
			return keyFileSetting.errorf("cannot be read: %v", err)
		}
		c.PrivateKeyFile, c.PrivateKey = keyFile, Secret(pem)
		if err := checkRSAKey(pem); err != nil {
			return keyFileSetting.errorf("%v", err)
		}
	case key != "":
		// Platforms that take one-line variables get the PEM with its
		// newlines escaped.
		if !strings.Contains(key, "\n") {
			key = strings.ReplaceAll(key, `\n`, "\n")
		}
		c.PrivateKey = Secret(key)
		if err := checkRSAKey([]byte(key)); err != nil {
			return keySetting.errorf("%v", err)
		}
	default:
		return keySetting.errorf("or %s is required with %s", keyFileSetting.env, appIDSetting.env)
	}
	return nil
}
