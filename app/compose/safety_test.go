package compose

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The loader reads other people's repositories on a server: nothing outside
// the snapshot — the server's files, its environment — may reach the model
// or a finding. Each test plants a secret in the process environment and a
// marker in files beside the repository, where every escaping reference
// would land if it were followed.

const (
	secretVar   = "COMPOSEGUARD_TEST_SECRET"
	secretValue = "s3cr3t-4b8f0e2a91"
	markerValue = "outside-marker-7d41b0c3"
)

// planted makes <tmp>/repo (returned) with the given files, and beside it the
// files an escaping reference reaches: outside.yml, outside.env, .env,
// labels.txt, all carrying the marker. "{{OUT}}" in a file stands for <tmp>.
func planted(t *testing.T, files map[string]string) (repo, out string) {
	t.Helper()
	t.Setenv(secretVar, secretValue)
	out = t.TempDir()
	writeTree(t, out, map[string]string{
		"outside.yml": "services:\n  evil:\n    image: " + markerValue + "\n    environment:\n      MARK: " + markerValue + "\n",
		"outside.env": "MARK=" + markerValue + "\n" + secretVar + "=" + markerValue + "\n",
		".env":        "MARK=" + markerValue + "\n",
		"labels.txt":  "leak=" + markerValue + "\n",
	})
	repo = filepath.Join(out, "repo")
	resolved := map[string]string{}
	for name, body := range files {
		resolved[name] = strings.ReplaceAll(body, "{{OUT}}", out)
	}
	writeTree(t, repo, resolved)
	return repo, out
}

// assertNoLeak checks the model, the problems and the environment for the
// secret and the marker.
func assertNoLeak(t *testing.T, p *Project) {
	t.Helper()
	where := map[string]string{"model": modelJSON(t, p)}
	for i, pr := range p.Problems {
		where[fmt.Sprintf("problem %d", i)] = pr.Message
	}
	for k, v := range p.Env {
		where["env "+k] = v
	}
	for what, text := range where {
		for _, bad := range []string{secretValue, markerValue} {
			if strings.Contains(text, bad) {
				t.Errorf("%s contains %q (read outside the snapshot): %s", what, bad, text)
			}
		}
	}
}

func outsidePositions(p *Project) []string {
	var out []string
	for _, pr := range problemsWith(p, RuleOutside) {
		out = append(out, posString(pr.Pos))
	}
	sort.Strings(out)
	return out
}

func TestLoadNeverReadsOutsideTheSnapshot(t *testing.T) {
	okYML := "services:\n  ok:\n    image: \"busybox:${MARK:-safe}\"\n"
	tests := []struct {
		name     string
		main     string            // default compose.yaml
		files    map[string]string // the repository
		outside  []string          // file:line of each path-outside-repository problem
		services []string          // services that must still load
		invalid  bool              // the project must fail with compose-invalid
		check    func(t *testing.T, p *Project)
	}{
		{
			name: "server environment in interpolation",
			files: map[string]string{"compose.yaml": `services:
  app:
    image: nginx
    command: ["echo", "$COMPOSEGUARD_TEST_SECRET", "${COMPOSEGUARD_TEST_SECRET}"]
    environment:
      - FROM_HOST=${COMPOSEGUARD_TEST_SECRET}
      - COMPOSEGUARD_TEST_SECRET
    labels:
      required: "${COMPOSEGUARD_TEST_SECRET:?must be set}"
`},
			services: []string{"app"},
			check: func(t *testing.T, p *Project) {
				env := p.Model.Services["app"].Environment
				if v := env["FROM_HOST"]; v == nil || *v != "" {
					t.Errorf("FROM_HOST = %v, want empty (unknown)", v)
				}
				if v := env[secretVar]; v != nil {
					t.Errorf("%s resolved to %q, want unset", secretVar, *v)
				}
				l, _ := p.Locate("app", "command")
				if got := p.Unknown(l.Value); len(got) != 1 || got[0] != secretVar {
					t.Errorf("Unknown(command) = %v, want [%s]", got, secretVar)
				}
			},
		},
		{
			// The loader resolves these from the project environment only,
			// and never opens a secret's or a config's file.
			name: "secrets, configs and build args from the environment",
			files: map[string]string{"compose.yaml": `services:
  app:
    image: nginx
    build:
      context: .
      args: [COMPOSEGUARD_TEST_SECRET]
    secrets: [token, key]
    configs: [conf]
secrets:
  token:
    environment: COMPOSEGUARD_TEST_SECRET
  key:
    file: {{OUT}}/outside.env
configs:
  conf:
    environment: COMPOSEGUARD_TEST_SECRET
`},
			services: []string{"app"},
		},
		{
			name: "the repository .env refers to the server environment",
			files: map[string]string{
				".env": "FROM=${COMPOSEGUARD_TEST_SECRET}\nCOMPOSEGUARD_TEST_SECRET\nPLAIN=ok\n",
				"compose.yaml": `services:
  app:
    image: "nginx:${PLAIN}"
    environment:
      FROM: ${FROM}
`},
			services: []string{"app"},
			check: func(t *testing.T, p *Project) {
				if got := p.Model.Services["app"].Image; got != "nginx:ok" {
					t.Errorf("image = %q, want nginx:ok from the snapshot .env", got)
				}
			},
		},
		{
			name: "env_file absolute",
			files: map[string]string{"compose.yaml": `services:
  app:
    image: nginx
    env_file: {{OUT}}/outside.env
`},
			outside:  []string{"compose.yaml:4"},
			services: []string{"app"},
		},
		{
			name: "env_file climbing out, short and long form",
			main: "app/compose.yaml",
			files: map[string]string{"app/compose.yaml": `services:
  app:
    image: nginx
    env_file:
      - ../../outside.env
      - path: ../../outside.env
        required: false
`},
			outside:  []string{"app/compose.yaml:5", "app/compose.yaml:6"},
			services: []string{"app"},
		},
		{
			name: "label_file absolute",
			files: map[string]string{"compose.yaml": `services:
  app:
    image: nginx
    label_file: {{OUT}}/labels.txt
`},
			outside:  []string{"compose.yaml:4"},
			services: []string{"app"},
		},
		{
			name: "include absolute",
			files: map[string]string{"compose.yaml": `include:
  - {{OUT}}/outside.yml
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:2"},
			services: []string{"app"},
		},
		{
			name: "include climbing out",
			files: map[string]string{"compose.yaml": `include:
  - ../outside.yml
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:2"},
			services: []string{"app"},
		},
		{
			name: "include from the home directory",
			files: map[string]string{"compose.yaml": `include:
  - ~/outside.yml
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:2"},
			services: []string{"app"},
		},
		{
			name: "include env_file absolute",
			files: map[string]string{"ok.yml": okYML, "compose.yaml": `include:
  - path: ok.yml
    env_file: {{OUT}}/outside.env
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:3"},
			services: []string{"app"},
		},
		{
			name: "include project_directory absolute",
			files: map[string]string{"ok.yml": okYML, "compose.yaml": `include:
  - path: ok.yml
    project_directory: {{OUT}}
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:3"},
			services: []string{"app"},
		},
		{
			name: "include project_directory climbing out",
			files: map[string]string{"ok.yml": okYML, "compose.yaml": `include:
  - path: ok.yml
    project_directory: ..
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:3"},
			services: []string{"app"},
		},
		{
			name: "include override list with one file outside",
			files: map[string]string{"ok.yml": okYML, "compose.yaml": `include:
  - path: [ok.yml, {{OUT}}/outside.yml]
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:2"},
			services: []string{"app"},
		},
		{
			name: "include URL",
			files: map[string]string{"compose.yaml": `include:
  - https://example.com/x.yml
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:2"},
			services: []string{"app"},
		},
		{
			name: "include git remote",
			files: map[string]string{"compose.yaml": `include:
  - git@github.com:a/b.git
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:2"},
			services: []string{"app"},
		},
		{
			name: "extends file absolute",
			files: map[string]string{"compose.yaml": `services:
  app:
    image: nginx
    extends:
      file: {{OUT}}/outside.yml
      service: evil
`},
			outside:  []string{"compose.yaml:5"},
			services: []string{"app"},
		},
		{
			name: "extends file climbing out",
			files: map[string]string{"compose.yaml": `services:
  app:
    image: nginx
    extends:
      file: ../outside.yml
      service: evil
`},
			outside:  []string{"compose.yaml:5"},
			services: []string{"app"},
		},
		{
			name: "extends base in the repository extends a file outside",
			files: map[string]string{
				"compose.yaml": `services:
  app:
    image: nginx
    extends:
      file: base/base.yml
      service: base
`,
				"base/base.yml": `services:
  base:
    read_only: true
    extends:
      file: ../../outside.yml
      service: evil
`},
			outside:  []string{"base/base.yml:5"},
			services: []string{"app"},
		},
		{
			// compose-go interpolates a nested include with the included
			// directory's .env, which the scanner must imitate.
			name: "nested include env_file from the included directory's .env",
			files: map[string]string{
				"compose.yaml": "include:\n  - sub/compose.yaml\nservices:\n  app:\n    image: nginx\n",
				"sub/.env":     "E={{OUT}}/outside.env\n",
				"sub/compose.yaml": `include:
  - path: ok.yml
    env_file: "${E:-ok.env}"
`,
				"sub/ok.yml": okYML,
				"sub/ok.env": "OTHER=1\n",
			},
			outside:  []string{"sub/compose.yaml:3"},
			services: []string{"app"},
		},
		{
			name: "include keys written as aliases",
			files: map[string]string{"ok.yml": okYML, "compose.yaml": `x-key: &envkey env_file
include:
  - path: ok.yml
    *envkey : {{OUT}}/outside.env
services:
  app:
    image: nginx
`},
			outside:  []string{"compose.yaml:4"},
			services: []string{"app"},
		},
		{
			// The env file copy must not replace the checked compose file.
			name: "a compose file also used as an env file",
			files: map[string]string{
				"compose.yaml": `include:
  - path: sub/a.yml
    env_file: sub/a.yml
  - sub/ok.yml
services:
  app:
    image: nginx
`,
				"sub/a.yml":  "include: [{path: ok.yml, env_file: {{OUT}}/outside.env}]\n",
				"sub/ok.yml": okYML,
			},
			outside:  []string{"sub/a.yml:1"},
			services: []string{"app", "ok"},
		},
		{
			// The retry with stand-ins for unknown variables must not change
			// where an include's env_file points.
			name: "an unknown variable's stand-in turns an env_file path",
			files: map[string]string{
				"ok.yml": okYML,
				"ok.env": "OTHER=1\n",
				"compose.yaml": `include:
  - path: ok.yml
    env_file: "${PORT:+{{OUT}}/outside.env}${PORT:-ok.env}"
services:
  app:
    image: nginx
    privileged: ${P}
    ports: ["${PORT}:80"]
`},
			services: []string{"app", "ok"},
		},
		{
			name: "a chain of includes longer than the scanner follows",
			files: func() map[string]string {
				m := map[string]string{"ok.yml": okYML}
				for i := 0; i < maxScans+10; i++ {
					name := fmt.Sprintf("f%d.yml", i)
					if i == 0 {
						name = "compose.yaml"
					}
					m[name] = fmt.Sprintf("include:\n  - f%d.yml\nservices:\n  s%d:\n    image: nginx\n", i+1, i)
				}
				m[fmt.Sprintf("f%d.yml", maxScans+10)] = "include:\n  - path: ok.yml\n    env_file: {{OUT}}/outside.env\n"
				return m
			}(),
			invalid: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, _ := planted(t, tt.files)
			snap, err := NewDirSnapshot(repo)
			if err != nil {
				t.Fatal(err)
			}
			main := tt.main
			if main == "" {
				main = "compose.yaml"
			}
			p := loadFiles(t, snap, main)
			assertNoLeak(t, p)
			got := outsidePositions(p)
			want := append([]string(nil), tt.outside...)
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("path-outside-repository problems at %v, want %v; all problems %+v", got, want, p.Problems)
			}
			for _, pr := range problemsWith(p, RuleOutside) {
				if !strings.Contains(pr.Message, "outside the repository") {
					t.Errorf("unclear message %q", pr.Message)
				}
			}
			if tt.invalid {
				if p.Model != nil || len(problemsWith(p, RuleInvalid)) == 0 {
					t.Fatalf("want compose-invalid and no model, got problems %+v", p.Problems)
				}
				return
			}
			if p.Model == nil {
				t.Fatalf("the rest of the project did not load: %+v", p.Problems)
			}
			if inv := problemsWith(p, RuleInvalid); len(inv) > 0 {
				t.Errorf("unexpected compose-invalid problems %+v", inv)
			}
			for _, s := range tt.services {
				if !hasService(p, s) {
					t.Errorf("service %q missing; have %v", s, serviceNames(p))
				}
			}
			if hasService(p, "evil") {
				t.Errorf("the service defined outside the repository was loaded")
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestDirSnapshotDoesNotFollowSymlinks(t *testing.T) {
	repo, out := planted(t, map[string]string{
		"ok.yml": "services:\n  ok:\n    image: busybox\n",
	})
	for link, target := range map[string]string{
		".env":       filepath.Join(out, "outside.env"),
		"linked.yml": filepath.Join(out, "outside.yml"),
		"linked.env": filepath.Join(out, "outside.env"),
		"linkdir":    out,
	} {
		if err := os.Symlink(target, filepath.Join(repo, link)); err != nil {
			t.Skipf("cannot create symlinks here: %v", err)
		}
	}
	snap, err := NewDirSnapshot(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range snap.Paths() {
		if p != "ok.yml" {
			t.Errorf("Paths lists %q; only regular files inside the root belong there", p)
		}
	}
	for _, name := range []string{".env", "linked.yml", "linkdir/outside.yml", "linkdir/repo/ok.yml", "../outside.yml", "/etc/passwd"} {
		if b, err := snap.ReadFile(name); err == nil {
			t.Errorf("ReadFile(%q) returned %d bytes, want an error", name, len(b))
		}
	}

	tests := []struct {
		name    string
		compose string
		invalid bool
	}{
		// A symlinked .env is not read: MARK stays unknown.
		{name: ".env", compose: "services:\n  app:\n    image: \"nginx:${MARK:-none}\"\n"},
		{name: "include", compose: "include:\n  - linked.yml\nservices:\n  app:\n    image: nginx\n", invalid: true},
		{name: "include through a linked directory", compose: "include:\n  - linkdir/outside.yml\nservices:\n  app:\n    image: nginx\n", invalid: true},
		{name: "include env_file", compose: "include:\n  - path: ok.yml\n    env_file: linked.env\nservices:\n  app:\n    image: \"nginx:${MARK:-none}\"\n", invalid: true},
		{name: "extends", compose: "services:\n  app:\n    extends:\n      file: linked.yml\n      service: evil\n", invalid: true},
		{name: "env_file", compose: "services:\n  app:\n    image: nginx\n    env_file: linked.env\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(repo, "compose.yaml"), []byte(tt.compose), 0o644); err != nil {
				t.Fatal(err)
			}
			snap, err := NewDirSnapshot(repo)
			if err != nil {
				t.Fatal(err)
			}
			p := loadFiles(t, snap)
			assertNoLeak(t, p)
			if tt.invalid {
				if p.Model != nil || len(problemsWith(p, RuleInvalid)) == 0 {
					t.Fatalf("want compose-invalid, got model with problems %+v", p.Problems)
				}
				return
			}
			loaded(t, p)
			if hasService(p, "evil") {
				t.Error("a service from the linked file was loaded")
			}
		})
	}
	// The message names the repository path, never the link's target.
	if err := os.WriteFile(filepath.Join(repo, "compose.yaml"), []byte("include:\n  - linked.yml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, _ = NewDirSnapshot(repo)
	p := loadFiles(t, snap)
	for _, pr := range p.Problems {
		if strings.Contains(pr.Message, out) {
			t.Errorf("problem reveals a server path: %q", pr.Message)
		}
	}
}

// Safe references inside the snapshot must keep working.
func TestLoadFollowsReferencesInsideTheSnapshot(t *testing.T) {
	t.Setenv(secretVar, secretValue)
	t.Run(".env interpolates", func(t *testing.T) {
		p := loaded(t, loadFiles(t, MapSnapshot{
			".env":         []byte("TAG=1.25\nPORT=8080\n"),
			"compose.yaml": []byte("services:\n  web:\n    image: \"nginx:${TAG}\"\n    ports: [\"${PORT}:80\"]\n"),
		}))
		web := p.Model.Services["web"]
		if web.Image != "nginx:1.25" {
			t.Errorf("image = %q, want nginx:1.25", web.Image)
		}
		if len(web.Ports) != 1 || web.Ports[0].Published != "8080" {
			t.Errorf("ports = %+v, want published 8080", web.Ports)
		}
		if len(p.Problems) != 0 {
			t.Errorf("problems %+v", p.Problems)
		}
	})
	t.Run(".env of a project in a subdirectory", func(t *testing.T) {
		p := loaded(t, loadFiles(t, MapSnapshot{
			".env":             []byte("TAG=root\n"),
			"app/.env":         []byte("TAG=app\n"),
			"app/compose.yaml": []byte("services:\n  web:\n    image: \"nginx:${TAG}\"\n"),
		}, "app/compose.yaml"))
		if got := p.Model.Services["web"].Image; got != "nginx:app" {
			t.Errorf("image = %q, want nginx:app from app/.env", got)
		}
	})
	t.Run("include", func(t *testing.T) {
		p := loaded(t, loadFiles(t, MapSnapshot{
			"compose.yaml":    []byte("include:\n  - db/compose.yaml\nservices:\n  web:\n    image: nginx\n"),
			"db/compose.yaml": []byte("services:\n  db:\n    image: \"postgres:${PG:-16}\"\n    privileged: true\n"),
			"db/.env":         []byte("PG=15\n"),
		}))
		if !hasService(p, "db") || !hasService(p, "web") {
			t.Fatalf("services %v, want db and web", serviceNames(p))
		}
		if got := p.Model.Services["db"].Image; got != "postgres:15" {
			t.Errorf("included image = %q, want postgres:15 from db/.env", got)
		}
		if got := posString(p.Where("db", "privileged")); got != "db/compose.yaml:4" {
			t.Errorf("privileged located at %s, want db/compose.yaml:4", got)
		}
		if len(p.Problems) != 0 {
			t.Errorf("problems %+v", p.Problems)
		}
	})
	t.Run("include with env_file and project_directory", func(t *testing.T) {
		p := loaded(t, loadFiles(t, MapSnapshot{
			"compose.yaml": []byte(`include:
  - path: db/compose.yaml
    env_file: [db/custom.env, /dev/null]
  - path: cache/compose.yaml
    project_directory: cache/dir/
services:
  web:
    image: nginx
`),
			"db/compose.yaml":    []byte("services:\n  db:\n    image: \"postgres:${PG:-16}\"\n"),
			"db/custom.env":      []byte("PG=14\n"),
			"cache/compose.yaml": []byte("services:\n  cache:\n    image: \"redis:${REDIS:-7}\"\n"),
			"cache/dir/.env":     []byte("REDIS=6\n"),
		}))
		if got := p.Model.Services["db"].Image; got != "postgres:14" {
			t.Errorf("db image = %q, want postgres:14 from the include's env_file", got)
		}
		if got := p.Model.Services["cache"].Image; got != "redis:6" {
			t.Errorf("cache image = %q, want redis:6 from project_directory/.env", got)
		}
		if len(p.Problems) != 0 {
			t.Errorf("problems %+v", p.Problems)
		}
	})
	t.Run("include climbing to a sibling directory inside the repository", func(t *testing.T) {
		p := loaded(t, loadFiles(t, MapSnapshot{
			"app/compose.yaml": []byte("include:\n  - ../shared/db.yml\nservices:\n  web:\n    image: nginx\n"),
			"shared/db.yml":    []byte("services:\n  db:\n    image: postgres\n"),
		}, "app/compose.yaml"))
		if !hasService(p, "db") || len(p.Problems) != 0 {
			t.Errorf("services %v, problems %+v", serviceNames(p), p.Problems)
		}
	})
	t.Run("extends a base in another file", func(t *testing.T) {
		p := loaded(t, loadFiles(t, MapSnapshot{
			"compose.yaml": []byte(`services:
  web:
    image: nginx
    extends:
      file: common/base.yml
      service: hardened
`),
			"common/base.yml": []byte(`services:
  hardened:
    read_only: true
    cap_drop: [ALL]
`),
		}))
		web := p.Model.Services["web"]
		if !web.ReadOnly || len(web.CapDrop) != 1 || web.Image != "nginx" {
			t.Errorf("web = read_only %v cap_drop %v image %q, want the base merged in", web.ReadOnly, web.CapDrop, web.Image)
		}
		if got := posString(p.Where("web", "read_only")); got != "common/base.yml:3" {
			t.Errorf("read_only located at %s, want common/base.yml:3", got)
		}
	})
}

// Reads is what the review follows to the projects a changed file affects.
func TestReadsNamesTheFilesReferencesRead(t *testing.T) {
	p := loadFiles(t, MapSnapshot{
		"compose.yaml": []byte(`include:
  - path: db/compose.yaml
    env_file: db/custom.env
services:
  web:
    image: nginx
    env_file: [web.env, {path: "${CONF:-conf}/extra.env", required: false}, ../../etc/passwd]
    label_file: web.labels
`),
		"db/compose.yaml": []byte("services:\n  db:\n    image: postgres\n"),
		"db/custom.env":   []byte("PG=14\n"),
		"web.env":         []byte("A=1\n"),
		"conf/extra.env":  []byte("B=2\n"),
		"web.labels":      []byte("c=3\n"),
	})
	got := slices.Sorted(slices.Values(p.Reads))
	if want := []string{"conf/extra.env", "db/custom.env", "web.env", "web.labels"}; !slices.Equal(got, want) {
		t.Errorf("Reads = %v, want %v (the path outside the repository left out)", got, want)
	}
}
