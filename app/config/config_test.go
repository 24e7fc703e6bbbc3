package config

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	webhookSecret = "whsec-do-not-print"
	token         = "ghp_do-not-print"
)

var rsaPEM, ecPEM = testKeys()

func testKeys() (rsaPEM, ecPEM string) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}))
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func tokenEnv() map[string]string {
	return map[string]string{"GITHUB_WEBHOOK_SECRET": webhookSecret, "GITHUB_TOKEN": token}
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, envOf(tokenEnv()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if c.Listen != ":8080" || c.DatabaseURL.Reveal() != "sqlite://"+filepath.Join(wd, "composeguard.db") ||
		c.GitHubAPIURL.String() != "https://api.github.com/" || !c.ReviewDrafts || c.UsesApp() ||
		c.JobTimeout != 30*time.Second || c.RescueAfter != 45*time.Second || c.BumpSchedule.String() != "0 6 * * 1" ||
		c.TrustedProxies != nil || c.UnverifiedBodies != 8 || c.BumpSpread != time.Hour || c.BumpReserve != 0.2 ||
		c.ReviewWorkers != 8*runtime.GOMAXPROCS(0) {
		t.Errorf("defaults: %+v", c)
	}
	if c, err := Load([]string{"--review-workers", "32"}, envOf(tokenEnv()), io.Discard); err != nil || c.ReviewWorkers != 32 {
		t.Errorf("--review-workers 32: %d workers, %v", c.ReviewWorkers, err)
	}
	if c.Token.Reveal() != token || c.WebhookSecret.Reveal() != webhookSecret {
		t.Error("secrets not kept")
	}
}

func TestFlagWinsOverEnvironment(t *testing.T) {
	env := tokenEnv()
	env["COMPOSEGUARD_LISTEN"] = ":9000"
	env["COMPOSEGUARD_REVIEW_DRAFTS"] = "true"
	env["GITHUB_API_URL"] = "https://ghe.example.com/api/v3"
	env["COMPOSEGUARD_JOB_TIMEOUT"] = "10m"
	env["COMPOSEGUARD_RESCUE_AFTER"] = "15m"
	c, err := Load([]string{"--listen", "127.0.0.1:7000", "--review-drafts=false",
		"--database-url", "sqlite:///var/lib/cg.db", "--job-timeout", "3s", "--rescue-after=4s"}, envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:7000" || c.ReviewDrafts || c.DatabaseURL != "sqlite:///var/lib/cg.db" ||
		c.JobTimeout != 3*time.Second || c.RescueAfter != 4*time.Second {
		t.Errorf("flags should win: %+v", c)
	}
	if got := c.GitHubAPIURL.String(); got != "https://ghe.example.com/api/v3/" {
		t.Errorf("API URL from env with the slash go-github needs: %s", got)
	}
}

func TestTrustedProxies(t *testing.T) {
	env := withEnv(tokenEnv(), "COMPOSEGUARD_TRUSTED_PROXIES", " 172.18.0.0/16, 192.0.2.7,2001:db8::/32,10.1.2.3/8 ")
	c, err := Load(nil, envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	// An address is a range of one; a range is read from its start.
	want := []string{"172.18.0.0/16", "192.0.2.7/32", "2001:db8::/32", "10.0.0.0/8"}
	if !slices.Equal(got, want) {
		t.Errorf("trusted proxies %v, want %v", got, want)
	}
	if !strings.Contains(c.String(), "172.18.0.0/16,192.0.2.7/32") {
		t.Errorf("the logged settings do not show the proxies: %s", c)
	}
}

func TestApp(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(rsaPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, env := range map[string]map[string]string{
		"key file":        {"GITHUB_APP_PRIVATE_KEY_FILE": keyFile},
		"key":             {"GITHUB_APP_PRIVATE_KEY": rsaPEM},
		"escaped newline": {"GITHUB_APP_PRIVATE_KEY": strings.ReplaceAll(rsaPEM, "\n", `\n`)},
	} {
		t.Run(name, func(t *testing.T) {
			env["GITHUB_APP_ID"] = "12345"
			env["GITHUB_WEBHOOK_SECRET"] = webhookSecret
			c, err := Load(nil, envOf(env), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if !c.UsesApp() || c.AppID != 12345 || c.PrivateKey.Reveal() != rsaPEM {
				t.Errorf("app settings: id %d, key kept %v", c.AppID, c.PrivateKey.Reveal() == rsaPEM)
			}
		})
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	authFile := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(authFile, []byte(`{"auths":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		setting string
		want    string
	}{
		{"no webhook secret", map[string]string{"GITHUB_TOKEN": token}, nil, "GITHUB_WEBHOOK_SECRET", "required"},
		{"empty webhook secret flag", tokenEnv(), []string{"--github-webhook-secret="}, "GITHUB_WEBHOOK_SECRET", "required"},
		{"no auth", map[string]string{"GITHUB_WEBHOOK_SECRET": webhookSecret}, nil, "GITHUB_APP_ID", "GITHUB_TOKEN"},
		{"app and token", app(map[string]string{"GITHUB_TOKEN": token}), nil, "GITHUB_TOKEN", "choose one"},
		{"app id not a number", app(map[string]string{"GITHUB_APP_ID": "my-app"}), nil, "GITHUB_APP_ID", "positive number"},
		{"app id negative", app(map[string]string{"GITHUB_APP_ID": "-3"}), nil, "GITHUB_APP_ID", "positive number"},
		{"key without app id", map[string]string{"GITHUB_WEBHOOK_SECRET": webhookSecret, "GITHUB_APP_PRIVATE_KEY": rsaPEM}, nil, "GITHUB_APP_ID", "required"},
		{"app id without key", map[string]string{"GITHUB_WEBHOOK_SECRET": webhookSecret, "GITHUB_APP_ID": "1"}, nil, "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_FILE"},
		{"key and key file", app(map[string]string{"GITHUB_APP_PRIVATE_KEY_FILE": missing}), nil, "GITHUB_APP_PRIVATE_KEY", "choose one"},
		{"key file missing", app(map[string]string{"GITHUB_APP_PRIVATE_KEY": "", "GITHUB_APP_PRIVATE_KEY_FILE": missing}), nil, "GITHUB_APP_PRIVATE_KEY_FILE", "cannot be read"},
		{"key not PEM", app(map[string]string{"GITHUB_APP_PRIVATE_KEY": "not a key " + webhookSecret}), nil, "GITHUB_APP_PRIVATE_KEY", "not a PEM"},
		{"key not RSA", app(map[string]string{"GITHUB_APP_PRIVATE_KEY": ecPEM}), nil, "GITHUB_APP_PRIVATE_KEY", "not an RSA key"},
		{"key PEM of something else", app(map[string]string{"GITHUB_APP_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n"}), nil, "GITHUB_APP_PRIVATE_KEY", "not a private key"},
		{"listen without port", tokenEnv(), []string{"--listen", "localhost"}, "COMPOSEGUARD_LISTEN", "host:port"},
		{"database postgres malformed", withEnv(tokenEnv(), "COMPOSEGUARD_DATABASE_URL", "postgres://cg:hunter2@db:port/cg"), nil, "COMPOSEGUARD_DATABASE_URL", "not a valid PostgreSQL URL"},
		{"database no scheme", withEnv(tokenEnv(), "COMPOSEGUARD_DATABASE_URL", "/var/lib/cg.db"), nil, "COMPOSEGUARD_DATABASE_URL", "sqlite:///abs/path.db"},
		{"database DSN", withEnv(tokenEnv(), "COMPOSEGUARD_DATABASE_URL", "host=db password=hunter2"), nil, "COMPOSEGUARD_DATABASE_URL", "postgres://user:password@host/database"},
		{"database other scheme", withEnv(tokenEnv(), "COMPOSEGUARD_DATABASE_URL", "mysql://db/cg"), nil, "COMPOSEGUARD_DATABASE_URL", "unknown scheme"},
		{"database no file", withEnv(tokenEnv(), "COMPOSEGUARD_DATABASE_URL", "sqlite://"), nil, "COMPOSEGUARD_DATABASE_URL", "names no file"},
		{"database query", withEnv(tokenEnv(), "COMPOSEGUARD_DATABASE_URL", "sqlite://cg.db?mode=memory"), nil, "COMPOSEGUARD_DATABASE_URL", "without ?"},
		{"api url relative", withEnv(tokenEnv(), "GITHUB_API_URL", "api.github.com"), nil, "GITHUB_API_URL", "absolute http(s) URL"},
		{"api url credentials", withEnv(tokenEnv(), "GITHUB_API_URL", "https://me:hunter2@ghe.example.com/api/v3/"), nil, "GITHUB_API_URL", "credentials"},
		{"drafts not a boolean", withEnv(tokenEnv(), "COMPOSEGUARD_REVIEW_DRAFTS", "sometimes"), nil, "COMPOSEGUARD_REVIEW_DRAFTS", "true or false"},
		{"job timeout not a duration", withEnv(tokenEnv(), "COMPOSEGUARD_JOB_TIMEOUT", "120"), nil, "COMPOSEGUARD_JOB_TIMEOUT", "positive duration"},
		{"job timeout zero", tokenEnv(), []string{"--job-timeout", "0s"}, "COMPOSEGUARD_JOB_TIMEOUT", "positive duration"},
		{"rescue before the timeout", withEnv(tokenEnv(), "COMPOSEGUARD_RESCUE_AFTER", "20s"), nil, "COMPOSEGUARD_RESCUE_AFTER", "longer than COMPOSEGUARD_JOB_TIMEOUT"},
		{"bump schedule not cron", withEnv(tokenEnv(), "COMPOSEGUARD_BUMP_SCHEDULE", "weekly"), nil, "COMPOSEGUARD_BUMP_SCHEDULE", "weekly"},
		{"bump spread negative", withEnv(tokenEnv(), "COMPOSEGUARD_BUMP_SPREAD", "-1h"), nil, "COMPOSEGUARD_BUMP_SPREAD", "like 1h"},
		{"bump spread past the next run", withEnv(withEnv(tokenEnv(), "COMPOSEGUARD_BUMP_SCHEDULE", "*/30 * * * *"), "COMPOSEGUARD_BUMP_SPREAD", "1h"), nil, "COMPOSEGUARD_BUMP_SPREAD", "shorter than the 30m0s between two runs"},
		{"bump reserve without %", withEnv(tokenEnv(), "COMPOSEGUARD_BUMP_RESERVE", "20"), nil, "COMPOSEGUARD_BUMP_RESERVE", "percentage"},
		{"bump reserve all", withEnv(tokenEnv(), "COMPOSEGUARD_BUMP_RESERVE", "100%"), nil, "COMPOSEGUARD_BUMP_RESERVE", "from 0% to 90%"},
		{"mirror without target", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_MIRRORS", "docker.io"), nil, "COMPOSEGUARD_REGISTRY_MIRRORS", "docker.io"},
		{"proxy a name", withEnv(tokenEnv(), "COMPOSEGUARD_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"), nil, "COMPOSEGUARD_TRUSTED_PROXIES", `"proxy.internal"`},
		{"proxy range too wide", withEnv(tokenEnv(), "COMPOSEGUARD_TRUSTED_PROXIES", "10.0.0.0/33"), nil, "COMPOSEGUARD_TRUSTED_PROXIES", "CIDR"},
		{"no unverified bodies", tokenEnv(), []string{"--unverified-bodies", "0"}, "COMPOSEGUARD_UNVERIFIED_BODIES", "from 1 to 64"},
		{"no review workers", withEnv(tokenEnv(), "COMPOSEGUARD_REVIEW_WORKERS", "0"), nil, "COMPOSEGUARD_REVIEW_WORKERS", "from 1 to 256"},
		{"review workers unbounded", withEnv(tokenEnv(), "COMPOSEGUARD_REVIEW_WORKERS", "5000"), nil, "COMPOSEGUARD_REVIEW_WORKERS", "from 1 to 256"},
		{"unverified bodies unbounded", withEnv(tokenEnv(), "COMPOSEGUARD_UNVERIFIED_BODIES", "1000"), nil, "COMPOSEGUARD_UNVERIFIED_BODIES", "from 1 to 64"},
		{"registry auth file missing", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_AUTH_FILE", missing), nil, "COMPOSEGUARD_REGISTRY_AUTH_FILE", "cannot be read"},
		{"mirror password split by a comma", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_MIRRORS", "docker.io=https://bot:hunter2,x@mirror:5000"), nil, "COMPOSEGUARD_REGISTRY_MIRRORS", "takes no user:password"},
		{"credentials without a scope", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_AUTH_FILE", authFile), nil, "COMPOSEGUARD_REGISTRY_CREDENTIALS_SCOPE", "is required with COMPOSEGUARD_REGISTRY_AUTH_FILE"},
		{"scope without repositories", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_CREDENTIALS_SCOPE", "ghcr.io"), nil, "COMPOSEGUARD_REGISTRY_CREDENTIALS_SCOPE", "want registry=owner/name"},
		{"scope of a bare owner", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_CREDENTIALS_SCOPE", "ghcr.io=acme"), nil, "COMPOSEGUARD_REGISTRY_CREDENTIALS_SCOPE", "owner/*"},
		{"gitlab token without secret", map[string]string{"GITLAB_TOKEN": gitlabToken}, nil, "GITLAB_WEBHOOK_SECRET", "required"},
		{"gitlab secret without token", map[string]string{"GITLAB_WEBHOOK_SECRET": webhookSecret}, nil, "GITLAB_TOKEN", "required"},
		{"gitlab url relative", withEnv(gitlabEnv(), "GITLAB_URL", "gitlab.example.com"), nil, "GITLAB_URL", "absolute http(s) URL"},
		{"gitlab url credentials", withEnv(gitlabEnv(), "GITLAB_URL", "https://root:hunter2@gitlab.example.com"), nil, "GITLAB_URL", "credentials"},
		{"gitlab with half a github", withEnv(gitlabEnv(), "GITHUB_TOKEN", token), nil, "GITHUB_WEBHOOK_SECRET", "required"},
		{"allow private with a path", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_ALLOW_PRIVATE", "registry.lan/v2"), nil, "COMPOSEGUARD_REGISTRY_ALLOW_PRIVATE", "host[:port]"},
		{"allow private with credentials", withEnv(tokenEnv(), "COMPOSEGUARD_REGISTRY_ALLOW_PRIVATE", "bot:hunter2@registry.lan"), nil, "COMPOSEGUARD_REGISTRY_ALLOW_PRIVATE", "takes host[:port]"},
	}
	trivy := executable(t)
	tests = append(tests, []struct {
		name    string
		env     map[string]string
		args    []string
		setting string
		want    string
	}{
		{"trivy missing", withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY", missing), nil, "COMPOSEGUARD_TRIVY", "not an executable file"},
		{"trivy not executable", withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY", authFile), nil, "COMPOSEGUARD_TRIVY", "not an executable file"},
		{"trivy server without trivy", withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY_SERVER", "http://trivy:4954"), nil, "COMPOSEGUARD_TRIVY_SERVER", "needs COMPOSEGUARD_TRIVY"},
		{"trivy token without server", withEnv(withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY", trivy), "COMPOSEGUARD_TRIVY_TOKEN", "hunter2"), nil, "COMPOSEGUARD_TRIVY_TOKEN", "needs COMPOSEGUARD_TRIVY_SERVER"},
		{"trivy server relative", withEnv(withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY", trivy), "COMPOSEGUARD_TRIVY_SERVER", "trivy:4954"), nil, "COMPOSEGUARD_TRIVY_SERVER", "absolute http(s) URL"},
		{"trivy server credentials", withEnv(withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY", trivy), "COMPOSEGUARD_TRIVY_SERVER", "http://me:hunter2@trivy:4954"), nil, "COMPOSEGUARD_TRIVY_SERVER", "credentials"},
		{"trivy server query", withEnv(withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY", trivy), "COMPOSEGUARD_TRIVY_SERVER", "http://trivy:4954?token=hunter2"), nil, "COMPOSEGUARD_TRIVY_SERVER", "address alone"},
		{"trivy timeout", withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY_TIMEOUT", "soon"), nil, "COMPOSEGUARD_TRIVY_TIMEOUT", "positive duration"},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, envOf(tt.env), io.Discard)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("want a config error, got %v", err)
			}
			if cfgErr.Env != tt.setting || !strings.Contains(err.Error(), tt.setting) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q should name %s and say %q", err, tt.setting, tt.want)
			}
			for _, secret := range []string{webhookSecret, token, "hunter2", "BEGIN", "aGVsbG8"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a secret", err)
				}
			}
		})
	}
}

// executable writes an executable file and returns its path.
func executable(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trivy")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTrivy(t *testing.T) {
	c, err := Load(nil, envOf(tokenEnv()), io.Discard)
	if err != nil || c.Trivy != "" || c.TrivyTimeout != time.Minute {
		t.Fatalf("by default scans are off, within a minute: %+v, %v", c, err)
	}
	bin := executable(t)
	t.Setenv("PATH", filepath.Dir(bin))
	env := withEnv(withEnv(withEnv(tokenEnv(), "COMPOSEGUARD_TRIVY", "trivy"), "COMPOSEGUARD_TRIVY_SERVER", "http://trivy:4954/"),
		"COMPOSEGUARD_TRIVY_TOKEN", "trivy-do-not-print")
	c, err = Load([]string{"--trivy-timeout", "90s"}, envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Trivy != bin || c.TrivyServer != "http://trivy:4954" || c.TrivyToken.Reveal() != "trivy-do-not-print" || c.TrivyTimeout != 90*time.Second {
		t.Errorf("a name on the PATH, a server and its token: %+v", c)
	}
	if printed := c.String() + fmt.Sprintf("%v %+v", c, c); strings.Contains(printed, "trivy-do-not-print") || !strings.Contains(printed, "http://trivy:4954") {
		t.Errorf("printed config: %s", printed)
	}
}

const gitlabToken = "glpat-do-not-print"

func gitlabEnv() map[string]string {
	return map[string]string{"GITLAB_TOKEN": gitlabToken, "GITLAB_WEBHOOK_SECRET": webhookSecret}
}

func TestGitLab(t *testing.T) {
	c, err := Load(nil, envOf(gitlabEnv()), io.Discard)
	if err != nil {
		t.Fatalf("a GitLab-only server: %v", err)
	}
	if !c.UsesGitLab() || c.UsesGitHub() || c.GitLabURL.String() != "https://gitlab.com/" || c.GitLabToken.Reveal() != gitlabToken {
		t.Errorf("GitLab-only config %+v", c)
	}
	both := withEnv(withEnv(tokenEnv(), "GITLAB_TOKEN", gitlabToken), "GITLAB_WEBHOOK_SECRET", "other-secret")
	c, err = Load([]string{"--gitlab-url", "https://git.example.com/gitlab"}, envOf(both), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.UsesGitLab() || !c.UsesGitHub() || c.GitLabURL.String() != "https://git.example.com/gitlab/" || c.GitLabWebhookSecret.Reveal() != "other-secret" {
		t.Errorf("GitHub and GitLab config %+v", c)
	}
	if printed := c.String() + fmt.Sprintf("%v %+v", c, c); strings.Contains(printed, gitlabToken) || strings.Contains(printed, "other-secret") ||
		!strings.Contains(printed, "git.example.com") {
		t.Errorf("printed config: %s", printed)
	}
}

func TestFlagErrors(t *testing.T) {
	var out bytes.Buffer
	if _, err := Load([]string{"-help"}, envOf(tokenEnv()), &out); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("help: %v", err)
	}
	for _, s := range allSettings {
		if !strings.Contains(out.String(), "-"+s.flag) || !strings.Contains(out.String(), s.env) {
			t.Errorf("help does not list %s", s.env)
		}
	}
	if strings.Contains(out.String(), webhookSecret) || strings.Contains(out.String(), token) {
		t.Error("help shows a secret from the environment")
	}
	if _, err := Load([]string{"--no-such-flag"}, envOf(tokenEnv()), io.Discard); err == nil {
		t.Error("an unknown flag should stop start-up")
	}
	if _, err := Load([]string{"extra"}, envOf(tokenEnv()), io.Discard); err == nil {
		t.Error("an argument should stop start-up")
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	env := app(nil)
	env["GITHUB_APP_PRIVATE_KEY"] = rsaPEM
	env["COMPOSEGUARD_DATABASE_URL"] = "postgres://cg:pg-s3cret@db.internal:5432/cg?sslmode=require&password=pg-s3cret"
	c, err := Load(nil, envOf(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "config", c, "secret", c.WebhookSecret)
	printed := logs.String() + c.String() +
		fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.WebhookSecret, c.WebhookSecret, c.PrivateKey)
	for _, secret := range []string{webhookSecret, "BEGIN RSA", "PRIVATE KEY", "pg-s3cret"} {
		if strings.Contains(printed, secret) {
			t.Errorf("printed config shows %q:\n%s", secret, printed)
		}
	}
	if !strings.Contains(logs.String(), `"id":12345`) || !strings.Contains(logs.String(), redacted) ||
		!strings.Contains(logs.String(), "postgres://cg:xxxxx@db.internal:5432/cg?password=xxxxx&sslmode=require") {
		t.Errorf("the log should still show the non-secret settings:\n%s", logs.String())
	}
}

func TestLoadDatabase(t *testing.T) {
	url, err := LoadDatabase([]string{"--database-url", "postgresql://cg@db/cg"}, envOf(map[string]string{"COMPOSEGUARD_DATABASE_URL": "sqlite:///x.db"}), io.Discard)
	if err != nil || url.Reveal() != "postgresql://cg@db/cg" {
		t.Errorf("the flag: %q, %v", url, err)
	}
	url, err = LoadDatabase(nil, envOf(map[string]string{"COMPOSEGUARD_DATABASE_URL": "sqlite:///x.db"}), io.Discard)
	if err != nil || url.Reveal() != "sqlite:///x.db" {
		t.Errorf("the variable: %q, %v", url, err)
	}
	if _, err := LoadDatabase([]string{"--github-token", "t"}, envOf(nil), io.Discard); err == nil {
		t.Error("migrate takes the database setting only")
	}
	if _, err := LoadDatabase(nil, envOf(map[string]string{"COMPOSEGUARD_DATABASE_URL": "mysql://db"}), io.Discard); err == nil {
		t.Error("an unknown scheme accepted")
	}
}

// app is a valid App configuration with overrides.
func app(overrides map[string]string) map[string]string {
	env := map[string]string{"GITHUB_WEBHOOK_SECRET": webhookSecret, "GITHUB_APP_ID": "12345", "GITHUB_APP_PRIVATE_KEY": rsaPEM}
	for k, v := range overrides {
		env[k] = v
	}
	return env
}

func withEnv(env map[string]string, key, value string) map[string]string {
	env[key] = value
	return env
}

func TestPublicURLAndRuleLinks(t *testing.T) {
	c, err := Load(nil, envOf(withEnv(tokenEnv(), "COMPOSEGUARD_DATABASE_URL", "sqlite:///var/lib/composeguard/cg.db")), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != nil || c.RulesURL != "https://github.com/composeguard/composeguard/blob/main/checks/README.md#" {
		t.Errorf("without a public URL rule links go to checks/README.md: %v %q", c.PublicURL, c.RulesURL)
	}
	if c.DataDir != "/var/lib/composeguard" {
		t.Errorf("data folder %q, want the SQLite database's", c.DataDir)
	}
	c, err = Load(nil, envOf(withEnv(tokenEnv(), "COMPOSEGUARD_PUBLIC_URL", "https://cg.example.com/base")), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL.String() != "https://cg.example.com/base/" || c.RulesURL != "https://cg.example.com/base/rules/" {
		t.Errorf("rule links follow the public URL: %v %q", c.PublicURL, c.RulesURL)
	}
	env := withEnv(tokenEnv(), "COMPOSEGUARD_PUBLIC_URL", "https://cg.example.com/")
	env["COMPOSEGUARD_RULES_URL"] = "https://docs.example.com/rules#"
	env["COMPOSEGUARD_DATA_DIR"] = "/srv/cg"
	if c, err = Load(nil, envOf(env), io.Discard); err != nil {
		t.Fatal(err)
	}
	if c.RulesURL != "https://docs.example.com/rules#" || c.DataDir != "/srv/cg" {
		t.Errorf("rules URL and data folder as set: %q %q", c.RulesURL, c.DataDir)
	}
	for _, bad := range []string{"cg.example.com", "https://cg.example.com/?x=1", "ftp://cg.example.com/"} {
		_, err := Load(nil, envOf(withEnv(tokenEnv(), "COMPOSEGUARD_PUBLIC_URL", bad)), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "COMPOSEGUARD_PUBLIC_URL") {
			t.Errorf("public URL %q: %v", bad, err)
		}
	}
}

func TestSetupUntilAnAppIsStored(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"COMPOSEGUARD_DATA_DIR": dir}
	c, err := Load(nil, envOf(env), io.Discard)
	if err != nil || !c.Setup || c.UsesGitHub() || c.UsesGitLab() {
		t.Fatalf("nothing configured: setup %v, %v", c.Setup, err)
	}
	app := StoredApp{ID: 4242, Slug: "composeguard-acme", PEM: Secret(rsaPEM), WebhookSecret: webhookSecret}
	path, err := SaveApp(dir, app)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v %v, want 0600", path, info.Mode(), err)
	}
	if _, err := SaveApp(dir, app); err == nil {
		t.Error("a second App replaced the one stored")
	}
	if c, err = Load(nil, envOf(env), io.Discard); err != nil || c.Setup || !c.UsesApp() || c.AppID != 4242 ||
		c.PrivateKey.Reveal() != rsaPEM || c.WebhookSecret.Reveal() != webhookSecret || c.PrivateKeyFile != path {
		t.Fatalf("the stored App: %+v, %v", c, err)
	}
	if strings.Contains(c.String(), webhookSecret) || strings.Contains(c.String(), "PRIVATE KEY") {
		t.Errorf("the stored App's secrets are printed: %s", c)
	}
	// Settings in the environment win over the stored App.
	if c, err = Load(nil, envOf(withEnv(tokenEnv(), "COMPOSEGUARD_DATA_DIR", dir)), io.Discard); err != nil || c.UsesApp() {
		t.Errorf("a token set: app %v, %v", c.UsesApp(), err)
	}
	if err := os.WriteFile(path, []byte(`{"id": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(nil, envOf(env), io.Discard); err == nil || !strings.Contains(err.Error(), "COMPOSEGUARD_DATA_DIR") {
		t.Errorf("a broken stored App: %v", err)
	}
}

func TestSetupCodeKeptOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, path, err := SetupCode(dir)
	if err != nil || len(code) != 32 {
		t.Fatalf("set-up code %q, %v", code, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v, want 0600", path, err)
	}
	if again, _, err := SetupCode(dir); err != nil || again != code {
		t.Errorf("a restart made another code: %q, %v", again, err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, err := SetupCode(dir); err == nil {
		t.Errorf("an empty code file gave the code %q", code)
	}
}
