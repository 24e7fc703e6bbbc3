package main

import (
	"encoding/base64"
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
		File         string   `json:"file"`
		Line         int      `json:"line"`
		Service      *string  `json:"service"`
		Services     []string `json:"services"`
		Image        string   `json:"image"`
		From         string   `json:"from"`
		To           string   `json:"to"`
		UpdateType   string   `json:"update_type"`
		Superseded   string   `json:"superseded_by"`
		SkippedMajor bool     `json:"skipped_major"`
		Places       []struct {
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

// registryEnv isolates a test from the machine's registry settings; the
// test registries listen on loopback, which it allows.
func registryEnv(t *testing.T, mirrors string) {
	t.Setenv(envMirrors, mirrors)
	t.Setenv(envAuthFile, "")
	t.Setenv(envAllowPrivate, "127.0.0.1")
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

func TestBumpMajors(t *testing.T) {
	reg := bumptest.New(t, map[string][]string{"library/traefik": bumptest.TraefikTags, "library/postgres": bumptest.PostgresTags})
	registryEnv(t, "")
	h := reg.Host
	// traefik has a patch and a major; postgres 16.6 only a major (17.2).
	compose := "services:\n  proxy:\n    image: " + h + "/library/traefik:v2.11.3\n  db:\n    image: " + h + "/library/postgres:16.6\n"
	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": compose})
	file := filepath.ToSlash(filepath.Join(dir, "compose.yaml"))
	read := func() string {
		b, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const how = "(pass --major, or allow `major` in bump.rules update_types)"

	code, out, errOut := cli(t, "", "bump", "--dry-run", dir)
	if code != 1 {
		t.Fatalf("--dry-run: exit %d, want 1 (majors are due too); stderr %s", code, errOut)
	}
	wantText := file + ":5  [db]  " + h + "/library/postgres  16.6 → 17.2  major  (not written without --major)\n" +
		file + ":3  [proxy]  " + h + "/library/traefik  v2.11.3 → v2.11.4  patch\n" +
		file + ":3  [proxy]  " + h + "/library/traefik  v2.11.3 → v3.2.0  major  (not written without --major)\n" +
		"updates due: 3; nothing written (--dry-run)\n" +
		"2 major updates marked above would not be written " + how + "\n"
	if out != wantText {
		t.Errorf("--dry-run shows both, majors marked:\n%s\nwant:\n%s", out, wantText)
	}
	_, plan, _ := bumpJSONOutput(t, "--dry-run", dir)
	var marked []string
	for _, u := range plan.Updates {
		if u.SkippedMajor {
			marked = append(marked, u.To)
		}
		if u.Superseded != "" {
			t.Errorf("%s → %s superseded by %s, but the major is not written", u.From, u.To, u.Superseded)
		}
	}
	if strings.Join(marked, ",") != "17.2,v3.2.0" {
		t.Errorf("JSON skipped_major on %v, want the two majors", marked)
	}
	_, plan, _ = bumpJSONOutput(t, "--dry-run", "--major", dir)
	if u := plan.Updates[1]; u.To != "v2.11.4" || u.Superseded != "v3.2.0" || plan.Updates[2].SkippedMajor {
		t.Errorf("--dry-run --major: %+v, want the patch superseded by the major", plan.Updates)
	}

	code, out, errOut = cli(t, "", "bump", dir)
	if code != 0 {
		t.Fatalf("bump: exit %d; stderr %s", code, errOut)
	}
	if got, want := read(), strings.Replace(compose, "v2.11.3", "v2.11.4", 1); got != want {
		t.Errorf("without --major the file is\n%s\nwant only the patch written:\n%s", got, want)
	}
	wantText = file + ":3  [proxy]  " + h + "/library/traefik  v2.11.3 → v2.11.4  patch\n" +
		"wrote " + file + "\n" +
		"2 major updates not applied: " + h + "/library/postgres 16.6 → 17.2, " + h + "/library/traefik v2.11.3 → v3.2.0 " + how + "\n"
	if out != wantText {
		t.Errorf("bump output:\n%s\nwant:\n%s", out, wantText)
	}

	code, out, errOut = cli(t, "", "bump", "--major", dir)
	if code != 0 || strings.Contains(out, "not applied") {
		t.Fatalf("bump --major: exit %d\n%s\nstderr %s", code, out, errOut)
	}
	if got, want := read(), strings.NewReplacer("v2.11.3", "v3.2.0", "16.6", "17.2").Replace(compose); got != want {
		t.Errorf("with --major the file is\n%s\nwant:\n%s", got, want)
	}

	t.Run("the policy takes majors for the images whose update_types list major", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, map[string]string{
			"compose.yaml":      compose,
			".composeguard.yml": "bump:\n  rules:\n    - images: [\"*/library/traefik\"]\n      update_types: [patch, minor, major]\n",
		})
		code, out, errOut := cli(t, "", "bump", dir)
		b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml"))
		if code != 0 || string(b) != strings.Replace(compose, "v2.11.3", "v3.2.0", 1) {
			t.Errorf("exit %d, file\n%s\nwant traefik's major written, postgres left; stderr %s", code, b, errOut)
		}
		if !strings.HasSuffix(out, "1 major update not applied: "+h+"/library/postgres 16.6 → 17.2 "+how+"\n") {
			t.Errorf("output:\n%s", out)
		}
	})
}

func TestBumpErrors(t *testing.T) {
	failing := bumptest.Failing(t, http.StatusTooManyRequests)
	dir := t.TempDir()
	compose := "services:\n  db:\n    image: " + failing + "/library/postgres:16.2\n"
	write(t, dir, map[string]string{"compose.yaml": compose})

	t.Run("a registry that does not answer is an error, not up to date", func(t *testing.T) {
		registryEnv(t, "")
		code, out, errOut := bumpJSONOutput(t, dir)
		if code != 2 || len(out.Skipped) != 1 || !out.Skipped[0].Unknown || !strings.HasPrefix(out.Skipped[0].Reason, "registry unavailable: ") ||
			!strings.Contains(errOut, "could not be looked up") {
			t.Errorf("exit %d, %+v, stderr %q", code, out, errOut)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); string(b) != compose {
			t.Error("the file changed")
		}
	})

	t.Run("a mistyped image or tag is not found: exit 2, the other images still written", func(t *testing.T) {
		reg := bumptest.New(t, map[string][]string{"library/nginx": bumptest.NginxTags})
		registryEnv(t, "")
		h := reg.Host
		dir := t.TempDir()
		compose := "services:\n  web:\n    image: " + h + "/library/nginx:1.25\n  db:\n    image: " + h + "/library/postgress:16.2\n" +
			"  edge:\n    image: " + h + "/library/nginx:mainlin@" + reg.Digest("library/nginx", "mainline") + "\n"
		write(t, dir, map[string]string{"compose.yaml": compose})
		code, out, errOut := cli(t, "", "bump", dir)
		file := filepath.ToSlash(filepath.Join(dir, "compose.yaml"))
		for _, want := range []string{
			file + ":5  [db]  " + h + "/library/postgress:16.2  not found: " + h + "/library/postgress (check the name; the registry has no such repository)\n",
			file + ":7  [edge]  " + h + "/library/nginx:mainlin@",
			"  not found: " + h + "/library/nginx:mainlin (check the tag; the registry has no such tag)\n",
			"wrote " + file + "\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if code != 2 || strings.Contains(out, "up to date") || strings.Contains(out, "unavailable") || !strings.Contains(errOut, "not found") {
			t.Errorf("exit %d, stderr %q; want 2 and never up to date", code, errOut)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); string(b) != strings.Replace(compose, "nginx:1.25", "nginx:1.27", 1) {
			t.Errorf("file:\n%s\nwant nginx written and the rest kept", b)
		}
	})

	t.Run("401 is denied and asks for credentials, never printing them", func(t *testing.T) {
		denying := bumptest.Failing(t, http.StatusUnauthorized)
		dir := t.TempDir()
		write(t, dir, map[string]string{"compose.yaml": "services:\n  app:\n    image: " + denying + "/team/app:1.0\n"})
		registryEnv(t, "")
		code, out, errOut := cli(t, "", "bump", dir)
		want := "  denied: " + denying + "/team/app (HTTP 401; credentials needed? set " + envAuthFile + ")\n"
		if code != 2 || !strings.Contains(out, want) || strings.Contains(out, "up to date") {
			t.Errorf("exit %d, output:\n%s\nwant %q; stderr %q", code, out, want, errOut)
		}

		// With credentials for the host, the message says they were refused.
		auth := filepath.Join(t.TempDir(), "config.json")
		secret := base64.StdEncoding.EncodeToString([]byte("bot:s3cret"))
		write(t, filepath.Dir(auth), map[string]string{"config.json": `{"auths":{"` + denying + `":{"auth":"` + secret + `"}}}`})
		t.Setenv(envAuthFile, auth)
		code, out, errOut = cli(t, "", "bump", "--format", "json", dir)
		if code != 2 || !strings.Contains(out, "refused the credentials "+envAuthFile+" holds") {
			t.Errorf("exit %d, output:\n%s", code, out)
		}
		if all := out + errOut; strings.Contains(all, "s3cret") || strings.Contains(all, secret) {
			t.Errorf("credentials printed:\n%s", all)
		}
	})
	for name, tc := range map[string]struct {
		args           []string
		mirrors, auth  string
		stderrContains string
	}{
		"bad mirrors":                  {[]string{dir}, "docker.io", "", envMirrors},
		"mirror credentials":           {[]string{dir}, "docker.io=https://bot:s3cret@mirror:5000", "", envAuthFile},
		"mirror password with a comma": {[]string{dir}, "docker.io=https://bot:s3cret,x@mirror:5000", "", envAuthFile},
		"missing auth file":            {[]string{dir}, "", filepath.Join(dir, "nope.json"), envAuthFile},
		"credential helpers":           {[]string{dir}, "", "helpers", "credsStore"},
		"standard input":               {[]string{"-"}, "", "", "not -"},
		"unknown format":               {[]string{"--format", "sarif", dir}, "", "", "unknown format"},
		"missing path":                 {[]string{filepath.Join(dir, "nope")}, "", "", "nope"},
		"missing policy file":          {[]string{"--policy", filepath.Join(dir, "nope.yml"), dir}, "", "", "nope.yml"},
	} {
		t.Run(name, func(t *testing.T) {
			registryEnv(t, tc.mirrors)
			if tc.auth == "helpers" {
				tc.auth = filepath.Join(t.TempDir(), "config.json")
				write(t, filepath.Dir(tc.auth), map[string]string{"config.json": `{"credsStore":"desktop"}`})
			}
			t.Setenv(envAuthFile, tc.auth)
			code, _, errOut := cli(t, "", append([]string{"bump"}, tc.args...)...)
			if code != 2 || !strings.Contains(errOut, tc.stderrContains) || strings.Contains(errOut, "s3cret") {
				t.Errorf("exit %d, stderr %q; want 2 naming %q", code, errOut, tc.stderrContains)
			}
		})
	}
}

// A compose file chose the host `bump` connects to: run locally or in CI, it
// refuses loopback, private and metadata addresses like the server, and says
// exactly what to set to reach the user's own registry.
func TestBumpRefusesLoopbackAndMetadataRegistriesUntilAllowed(t *testing.T) {
	reg := bumptest.New(t, map[string][]string{"library/nginx": bumptest.NginxTags})
	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": "services:\n  web:\n    image: " + reg.Host + "/library/nginx:1.25\n" +
		"  meta:\n    image: 169.254.169.254/latest/meta-data:1.0\n"})
	registryEnv(t, "")
	t.Setenv(envAllowPrivate, "")
	code, out, errOut := cli(t, "", "bump", "--dry-run", dir)
	for _, want := range []string{
		"refused: " + reg.Host + "/library/nginx (" + reg.Host + " is a loopback address; composeguard reaches loopback, private and link-local addresses only for registries the operator allows: set " + envAllowPrivate + "=" + reg.Host + ")\n",
		"refused: 169.254.169.254/latest/meta-data (169.254.169.254:443 is a link-local address;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 2 || !strings.Contains(errOut, "could not be looked up") {
		t.Errorf("exit %d, stderr %q; want 2", code, errOut)
	}

	t.Setenv(envAllowPrivate, reg.Host)
	code, out, _ = cli(t, "", "bump", "--dry-run", dir)
	if code != 2 || !strings.Contains(out, "nginx  1.25 → 1.27  minor") || !strings.Contains(out, "refused: 169.254.169.254/") {
		t.Errorf("with %s=%s: exit %d, output:\n%s\nwant the update and the metadata address still refused", envAllowPrivate, reg.Host, code, out)
	}
}
