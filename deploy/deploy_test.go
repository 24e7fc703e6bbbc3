// Package deploy holds the files that run composeguard itself. Its tests
// keep them clean under composeguard's own audit and consistent with each
// other: the compose file, the Kubernetes manifests, the Dockerfile and the
// release workflow that publishes the image they run.
package deploy

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/config"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/handlers"
)

func TestOwnComposeFilePassesOwnAudit(t *testing.T) {
	snap, err := compose.NewDirSnapshot(".")
	if err != nil {
		t.Fatal(err)
	}
	r := audit.Run(context.Background(), snap, policy.Default(), time.Now())
	if r.FilesAudited != 1 {
		t.Fatalf("audited %d files, want deploy/compose.yaml only", r.FilesAudited)
	}
	for _, f := range r.Findings {
		t.Errorf("%s:%d %s %s: %s", f.Pos.File, f.Pos.Line, f.Severity, f.Rule, f.Message)
	}
	if r.Score.Overall != 10 {
		t.Errorf("score %.1f, want 10", r.Score.Overall)
	}
	// 10/10 earned, not waived: no finding excused, no inline exception.
	for _, f := range r.Waived {
		t.Errorf("%s:%d %s waived: %s", f.Pos.File, f.Pos.Line, f.Rule, f.Message)
	}
	if len(r.Inline) > 0 {
		t.Errorf("deploy/compose.yaml carries %d composeguard:ignore exceptions", len(r.Inline))
	}
}

// TestAuditCoversThePostgresProfile: the score above is the postgres
// service's too, not only the default profile's.
func TestAuditCoversThePostgresProfile(t *testing.T) {
	file := read(t, "compose.yaml")
	hardened := "    user: \"999:999\"\n"
	if !strings.Contains(file, hardened) {
		t.Fatalf("compose.yaml no longer runs postgres as %q", hardened)
	}
	snap := compose.MapSnapshot{
		"compose.yaml": []byte(strings.Replace(file, hardened, "    user: \"0:0\"\n", 1)),
		".env.example": []byte(read(t, ".env.example")),
	}
	r := audit.Run(context.Background(), snap, policy.Default(), time.Now())
	if len(r.Findings) != 1 || r.Findings[0].Rule != "runs-as-root" || r.Findings[0].Service != "postgres" {
		t.Errorf("postgres as root: findings %v, want runs-as-root for postgres", r.Findings)
	}
}

// TestComposeProfiles loads the file as docker compose does, with the
// .env that .env.example becomes: SQLite by default, PostgreSQL with the
// postgres profile its commented lines turn on.
func TestComposeProfiles(t *testing.T) {
	sqlite := loadCompose(t, envFromExample(t, false))
	if names := sqlite.ServiceNames(); !slices.Equal(names, []string{"composeguard"}) {
		t.Errorf("default profile runs %v, want composeguard alone", names)
	}
	cg := service(t, sqlite, "composeguard")
	dbURL := env(t, cg, "COMPOSEGUARD_DATABASE_URL")
	file, ok := strings.CutPrefix(dbURL, "sqlite://")
	if !ok || !slices.ContainsFunc(cg.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeVolume && filepath.Dir(file) == v.Target
	}) {
		t.Errorf("default database %q is not in a named volume of %v", dbURL, cg.Volumes)
	}
	servesFrom(t, cg)
	if d, ok := cg.DependsOn["postgres"]; !ok || d.Required || d.Condition != types.ServiceConditionHealthy {
		t.Errorf("composeguard depends on postgres %+v: want healthy, and optional so SQLite runs without it", d)
	}

	pg := loadCompose(t, envFromExample(t, true))
	if names := pg.ServiceNames(); !slices.Equal(names, []string{"composeguard", "postgres"}) {
		t.Fatalf("postgres profile runs %v", names)
	}
	cg, db := service(t, pg, "composeguard"), service(t, pg, "postgres")
	servesFrom(t, cg)
	u, err := url.Parse(env(t, cg, "COMPOSEGUARD_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	password, _ := u.User.Password()
	if u.Scheme != "postgres" || u.Hostname() != db.Name || u.Port() != "5432" || u.User.Username() != env(t, db, "POSTGRES_USER") ||
		password != env(t, db, "POSTGRES_PASSWORD") || password == "" || u.Path != "/"+env(t, db, "POSTGRES_DB") {
		t.Errorf("composeguard's database %s is not the postgres service's user, password and database", u.Redacted())
	}
	for name := range db.Networks {
		if !pg.Networks[name].Internal {
			t.Errorf("postgres joins %s, which is not internal", name)
		}
		if _, ok := cg.Networks[name]; !ok {
			t.Errorf("postgres joins %s, which composeguard does not", name)
		}
	}
	if len(db.Networks) == 0 {
		t.Error("postgres joins no network of its own")
	}
}

// TestComposeRunsTheImage: the service runs as the image's user, keeps
// its data where the image made room for that user, and probes with the
// image's binary.
func TestComposeRunsTheImage(t *testing.T) {
	cg := service(t, loadCompose(t, envFromExample(t, false)), "composeguard")
	dockerfile := read(t, "../Dockerfile")
	user := match(t, dockerfile, `(?m)^USER (\S+)$`)
	if cg.User != user {
		t.Errorf("composeguard runs as %q, the image as %q", cg.User, user)
	}
	// The final stage copies /data owned by the user: a fresh named volume
	// takes that owner, so uid 65532 can write its database there.
	if owner := match(t, dockerfile, `(?m)^COPY --from=build --chown=(\S+) \S+ /data$`); owner != user {
		t.Errorf("the image's /data belongs to %q, its user is %q", owner, user)
	}
	entrypoint := match(t, dockerfile, `(?m)^ENTRYPOINT \["([^"]+)"\]$`)
	if want := []string{"CMD", entrypoint, "healthcheck"}; cg.HealthCheck == nil || !slices.Equal(cg.HealthCheck.Test, want) {
		t.Errorf("healthcheck %v, want %v", cg.HealthCheck, want)
	}
}

// servesFrom checks that serve and migrate accept the service's database
// URL.
func servesFrom(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	getenv := func(k string) string {
		if v := s.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	if _, err := config.LoadDatabase(nil, getenv, io.Discard); err != nil {
		t.Errorf("%s: %v", s.Name, err)
	}
}

// loadCompose loads compose.yaml as docker compose does in this folder,
// with dotEnv as its .env.
func loadCompose(t *testing.T, dotEnv string) *types.Project {
	t.Helper()
	envFile := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(envFile, []byte(dotEnv), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"}, cli.WithName("composeguard"), cli.WithWorkingDirectory("."),
		cli.WithEnvFiles(envFile), cli.WithDotEnv, cli.WithDefaultProfiles())
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker compose would refuse it: %v\n.env:\n%s", err, dotEnv)
	}
	return p
}

// envFromExample is .env.example filled in: every variable given a value,
// and with postgres the commented lines that turn PostgreSQL on uncommented.
func envFromExample(t *testing.T, postgres bool) string {
	t.Helper()
	example := read(t, ".env.example")
	if postgres {
		for _, name := range []string{"COMPOSE_PROFILES", "POSTGRES_PASSWORD", "COMPOSEGUARD_DATABASE_URL"} {
			if !strings.Contains(example, "\n#"+name+"=") {
				t.Fatalf(".env.example has no line #%s= to uncomment", name)
			}
			example = strings.Replace(example, "\n#"+name+"=", "\n"+name+"=", 1)
		}
	}
	return regexp.MustCompile(`(?m)^([A-Z_]+)=$`).ReplaceAllString(example, "${1}=example-value-of-${1}")
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func env(t *testing.T, s types.ServiceConfig, name string) string {
	t.Helper()
	v := s.Environment[name]
	if v == nil {
		t.Fatalf("%s sets no %s", s.Name, name)
	}
	return *v
}

// composeImage is the image compose.yaml runs.
func composeImage(t *testing.T) string {
	t.Helper()
	return service(t, loadCompose(t, envFromExample(t, false)), "composeguard").Image
}

// read returns a file of the repository, from this folder.
func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// match returns the first group of pattern's first match in s.
func match(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("nothing matches %s", pattern)
	}
	return m[1]
}

// TestAppManifestAsksForWhatTheServerUses: the App registered from the
// manifest sends every event the server acts on (the dashboards' push and
// issues among them) and may write the issues the dashboards are.
func TestAppManifestAsksForWhatTheServerUses(t *testing.T) {
	b, err := os.ReadFile("github-app-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Permissions map[string]string `json:"default_permissions"`
		Events      []string          `json:"default_events"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, e := range handlers.GitHubEvents {
		if !slices.Contains(m.Events, e) {
			t.Errorf("the manifest does not subscribe to %s", e)
		}
	}
	for perm, want := range map[string]string{"issues": "write", "contents": "write", "pull_requests": "write", "checks": "write"} {
		if m.Permissions[perm] != want {
			t.Errorf("permission %s: %q, want %q", perm, m.Permissions[perm], want)
		}
	}
}
