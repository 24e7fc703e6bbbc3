package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/bump/bumptest"
)

type bumpOutput struct {
	Updates []struct {
		File       string   `json:"file"`
		Line       int      `json:"line"`
		Service    *string  `json:"service"`
		Services   []string `json:"services"`
		Image      string   `json:"image"`
		From       string   `json:"from"`
		To         string   `json:"to"`
		UpdateType string   `json:"update_type"`
		Superseded string   `json:"superseded_by"`
		Places     []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"places"`
	} `json:"updates"`
	Skipped []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Image   string `json:"image"`
		Reason  string `json:"reason"`
		Unknown bool   `json:"unknown"`
	} `json:"skipped"`
	Written []string `json:"written"`
}

// registryEnv isolates a test from the machine's registry settings.
func registryEnv(t *testing.T, mirrors string) {
	t.Setenv(envMirrors, mirrors)
	t.Setenv(envAuthFile, "")
}

func bumpJSONOutput(t *testing.T, args ...string) (int, bumpOutput, string) {
	t.Helper()
	code, out, errOut := cli(t, "", append([]string{"bump", "--format", "json"}, args...)...)
	var got bumpOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("exit %d, output is not JSON: %v\n%s\nstderr: %s", code, err, out, errOut)
	}
	return code, got, errOut
}

func TestBumpCommand(t *testing.T) {
	reg := bumptest.New(t, map[string][]string{"library/postgres": bumptest.PostgresTags, "library/nginx": bumptest.NginxTags})
	// nginx is written under a registry name that only the mirror serves.
	registryEnv(t, "registry.example:5000="+reg.Host)
	h := reg.Host
	dir := t.TempDir()
	files := map[string]string{
		"compose.yaml": "services:\n  db:\n    image: " + h + "/library/postgres:16.2-alpine3.20 # keep alpine\n" +
			"  web:\n    image: \"registry.example:5000/library/nginx:${NGINX_TAG}\"\n" +
			"  app:\n    build: .\n    image: org/app:1.0\n",
		".env":                     "NGINX_TAG=1.25\r\nOTHER=x\r\n",
		"stack/docker-compose.yml": "x-db: &db\n  image: '" + h + "/library/postgres:16.2-alpine3.20'\nservices:\n  replica:\n    <<: *db\n",
		".composeguard.yml":        "bump:\n  rules:\n    - images: [\"*/library/postgres\"]\n      update_types: [patch, minor]\n",
	}
	write(t, dir, files)
	if err := os.Chmod(filepath.Join(dir, "compose.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	rel := func(p string) string { return strings.TrimPrefix(filepath.ToSlash(p), filepath.ToSlash(dir)+"/") }

	code, plan, errOut := bumpJSONOutput(t, "--dry-run", dir)
	if code != 1 {
		t.Fatalf("--dry-run with updates due: exit %d, want 1; stderr %s", code, errOut)
	}
	if len(plan.Updates) != 2 {
		t.Fatalf("updates %+v, want nginx and postgres", plan.Updates)
	}
	nginx, postgres := plan.Updates[1], plan.Updates[0]
	if nginx.Image != "registry.example:5000/library/nginx" || nginx.From != "1.25" || nginx.To != "1.27" || nginx.UpdateType != "minor" ||
		rel(nginx.File) != ".env" || nginx.Line != 1 || *nginx.Service != "web" {
		t.Errorf("nginx update %+v: want 1.25 → 1.27 edited on .env line 1", nginx)
	}
	if postgres.From != "16.2-alpine3.20" || postgres.To != "16.6-alpine3.20" || postgres.UpdateType != "minor" || len(postgres.Places) != 2 ||
		rel(postgres.Places[0].File) != "compose.yaml" || postgres.Places[0].Line != 3 ||
		rel(postgres.Places[1].File) != "stack/docker-compose.yml" || postgres.Places[1].Line != 2 ||
		strings.Join(postgres.Services, ",") != "db,replica" {
		t.Errorf("postgres update %+v: want one update editing both files", postgres)
	}
	if len(plan.Skipped) != 1 || !strings.Contains(plan.Skipped[0].Reason, "built locally") || plan.Skipped[0].Line != 8 {
		t.Errorf("skipped %+v, want the built app", plan.Skipped)
	}
	if len(plan.Written) != 0 {
		t.Errorf("--dry-run wrote %v", plan.Written)
	}
	for name, content := range files {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != content {
			t.Errorf("--dry-run changed %s", name)
		}
	}

	code, _, errOut = bumpJSONOutput(t, dir)
	if code != 0 {
		t.Fatalf("rewriting: exit %d, want 0; stderr %s", code, errOut)
	}
	want := map[string]string{
		"compose.yaml":             strings.Replace(files["compose.yaml"], "16.2-alpine3.20 #", "16.6-alpine3.20 #", 1),
		".env":                     "NGINX_TAG=1.27\r\nOTHER=x\r\n",
		"stack/docker-compose.yml": strings.Replace(files["stack/docker-compose.yml"], "16.2-alpine3.20'", "16.6-alpine3.20'", 1),
		".composeguard.yml":        files[".composeguard.yml"],
	}
	for name, content := range want {
		if b, _ := os.ReadFile(filepath.Join(dir, name)); string(b) != content {
			t.Errorf("%s after bump:\n%q\nwant:\n%q", name, b, content)
		}
	}
	if info, err := os.Stat(filepath.Join(dir, "compose.yaml")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("compose.yaml mode %v, %v; want 0600 kept", info.Mode(), err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*composeguard-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	code, again, errOut := bumpJSONOutput(t, "--dry-run", dir)
	if code != 0 || len(again.Updates) != 0 {
		t.Errorf("second run: exit %d, updates %+v; want 0 and none (stderr %s)", code, again.Updates, errOut)
	}
	code, text, _ := cli(t, "", "bump", dir)
	if code != 0 || !strings.Contains(text, "every image is up to date") || !strings.Contains(text, "org/app:1.0  built locally") {
		t.Errorf("text output: exit %d\n%s", code, text)
	}
}

func TestBumpTextOutput(t *testing.T) {
	reg := bumptest.New(t, map[string][]string{"library/traefik": bumptest.TraefikTags})
	registryEnv(t, "")
	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": "services:\n  proxy:\n    image: " + reg.Host + "/library/traefik:v2.11.3\n"})
	code, out, errOut := cli(t, "", "bump", "--dry-run", dir)
	if code != 1 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	file := filepath.ToSlash(filepath.Join(dir, "compose.yaml"))
	for _, want := range []string{
		file + ":3  [proxy]  " + reg.Host + "/library/traefik  v2.11.3 → v2.11.4  patch  (superseded by v3.2.0)\n",
		file + ":3  [proxy]  " + reg.Host + "/library/traefik  v2.11.3 → v3.2.0  major\n",
		"updates due: 2; nothing written (--dry-run)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBumpErrors(t *testing.T) {
	failing := bumptest.Failing(t, http.StatusTooManyRequests)
	dir := t.TempDir()
	compose := "services:\n  db:\n    image: " + failing + "/library/postgres:16.2\n"
	write(t, dir, map[string]string{"compose.yaml": compose})

	t.Run("a registry that does not answer is an error, not up to date", func(t *testing.T) {
		registryEnv(t, "")
		code, out, errOut := bumpJSONOutput(t, dir)
		if code != 2 || len(out.Skipped) != 1 || !out.Skipped[0].Unknown || !strings.Contains(errOut, "did not answer") {
			t.Errorf("exit %d, %+v, stderr %q", code, out, errOut)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); string(b) != compose {
			t.Error("the file changed")
		}
	})
	for name, tc := range map[string]struct {
		args           []string
		mirrors, auth  string
		stderrContains string
	}{
		"bad mirrors":         {[]string{dir}, "docker.io", "", envMirrors},
		"missing auth file":   {[]string{dir}, "", filepath.Join(dir, "nope.json"), envAuthFile},
		"credential helpers":  {[]string{dir}, "", "helpers", "credsStore"},
		"standard input":      {[]string{"-"}, "", "", "not -"},
		"unknown format":      {[]string{"--format", "sarif", dir}, "", "", "unknown format"},
		"missing path":        {[]string{filepath.Join(dir, "nope")}, "", "", "nope"},
		"missing policy file": {[]string{"--policy", filepath.Join(dir, "nope.yml"), dir}, "", "", "nope.yml"},
	} {
		t.Run(name, func(t *testing.T) {
			registryEnv(t, tc.mirrors)
			if tc.auth == "helpers" {
				tc.auth = filepath.Join(t.TempDir(), "config.json")
				write(t, filepath.Dir(tc.auth), map[string]string{"config.json": `{"credsStore":"desktop"}`})
			}
			t.Setenv(envAuthFile, tc.auth)
			code, _, errOut := cli(t, "", append([]string{"bump"}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.stderrContains) {
				t.Errorf("exit %d, stderr %q; want 2 naming %q", code, errOut, tc.stderrContains)
			}
		})
	}
}
