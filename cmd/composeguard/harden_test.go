package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/bump/bumptest"
)

type hardenOutput struct {
	Repositories []struct {
		ScoreBefore map[string]float64 `json:"score_before"`
		ScoreAfter  map[string]float64 `json:"score_after"`
		Files       []struct {
			File    string `json:"file"`
			Diff    string `json:"diff"`
			Changes []struct {
				Line    int     `json:"line"`
				Service *string `json:"service"`
				Rule    string  `json:"rule"`
				Done    string  `json:"done"`
			} `json:"changes"`
			Left []struct {
				Service *string `json:"service"`
				Rule    string  `json:"rule"`
				Why     string  `json:"why"`
			} `json:"left"`
			Kept []struct {
				Service string `json:"service"`
				Reason  string `json:"reason"`
			} `json:"kept"`
		} `json:"files"`
	} `json:"repositories"`
	Offline bool     `json:"offline"`
	Written []string `json:"written"`
}

const hardenStack = "services:\n" +
	"  web:\n" +
	"    image: nginx:1.27 # the site\n" +
	"    labels:\n" +
	"      caddy: example.org\n" +
	"    ports:\n" +
	"      - \"8080:80\"\n" +
	"  db:\n" +
	"    image: \"postgres:16.4\"\n" +
	"    environment:\n" +
	"      POSTGRES_PASSWORD: ${DB_PASSWORD:?}\n"

// TestHardenCommand proposes, then writes, then finds nothing left: the
// JSON lists each change by service with the score, the diff applies with
// git apply, and only the --write run touches the file.
func TestHardenCommand(t *testing.T) {
	reg := bumptest.New(t, map[string][]string{"library/nginx": {"1.27"}, "library/postgres": {"16.4"}})
	registryEnv(t, "docker.io="+reg.Host)
	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": hardenStack, ".composeguard.yml": "harden:\n  memory: 256M\n"})
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "", "harden", "--format", "json", dir)
	var got hardenOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 {
		t.Fatalf("exit %d (want 1: changes proposed), %v\n%s\nstderr: %s", code, err, out, errOut)
	}
	f := got.Repositories[0].Files[0]
	rules := map[string][]string{}
	for _, c := range f.Changes {
		rules[*c.Service] = append(rules[*c.Service], c.Rule)
	}
	if strings.Join(rules["web"], ",") != "capabilities-not-dropped,cpu-limit-missing,log-rotation-missing,memory-limit-missing,no-new-privileges-missing,pids-limit-missing,writable-root-filesystem,,port-bound-all-interfaces,port-bypasses-reverse-proxy" {
		t.Errorf("web's changes: %v", rules["web"])
	}
	if !strings.Contains(f.Diff, "+    image: nginx:1.27@"+reg.Digest("library/nginx", "1.27")+" # the site\n") ||
		!strings.Contains(f.Diff, "+    image: \"postgres:16.4@"+reg.Digest("library/postgres", "16.4")+"\"\n") ||
		!strings.Contains(f.Diff, "+      - \"127.0.0.1:8080:80\"\n") || strings.Count(f.Diff, "+          memory: 256M\n") != 2 {
		t.Errorf("diff:\n%s", f.Diff)
	}
	if s := got.Repositories[0]; s.ScoreAfter["container_hardening"] <= s.ScoreBefore["container_hardening"] || s.ScoreAfter["overall"] <= s.ScoreBefore["overall"] {
		t.Errorf("score %v → %v", s.ScoreBefore, s.ScoreAfter)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "compose.yaml")); string(b) != hardenStack {
		t.Fatal("the file changed without --write")
	}

	code, diff, errOut := cli(t, "", "harden", "--format", "diff", dir)
	if code != 1 || diff != f.Diff {
		t.Fatalf("--format diff: exit %d, %s\nwant the JSON's diff; stderr: %s", code, diff, errOut)
	}
	if git, err := exec.LookPath("git"); err == nil {
		apply := exec.Command(git, "apply", "--check", "-")
		apply.Dir, apply.Stdin = dir, strings.NewReader(diff)
		if b, err := apply.CombinedOutput(); err != nil {
			t.Errorf("git apply refuses the diff: %v\n%s", err, b)
		}
	}

	code, out, errOut = cli(t, "", "harden", "--write", dir)
	hardened, _ := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if code != 0 || !strings.Contains(out, "wrote "+filepath.ToSlash(filepath.Join(dir, "compose.yaml"))) || !strings.Contains(string(hardened), "127.0.0.1:8080:80") {
		t.Fatalf("--write: exit %d\n%s\nstderr: %s\nfile:\n%s", code, out, errOut, hardened)
	}
	code, out, _ = cli(t, "", "harden", dir)
	if code != 0 || !strings.HasSuffix(out, "\nnothing to harden\n") || strings.Contains(out, "+++") {
		t.Errorf("a hardened file has nothing left to harden: exit %d\n%s", code, out)
	}
}

func TestHardenCommandOfflineAndErrors(t *testing.T) {
	registryEnv(t, "")
	dir := t.TempDir()
	write(t, dir, map[string]string{"stack/compose.yaml": hardenStack, "docs/README.md": "# docs\n", "broken/compose.yaml": "services:\n  web:\n    ports: 8080\n"})
	code, out, errOut := cli(t, "", "harden", "--offline", filepath.Join(dir, "stack"))
	if code != 1 || strings.Contains(out, "@sha256") || !strings.Contains(out, "tags were not pinned to their digests: no registry was asked (--offline)") {
		t.Errorf("--offline: exit %d\n%s\nstderr: %s", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--offline", filepath.Join(dir, "docs")}, "no compose files found under " + filepath.Join(dir, "docs")},
		{[]string{"--offline", filepath.Join(dir, "broken")}, "not hardened: Compose cannot load it"},
		{[]string{"--format", "sarif", dir}, `unknown format "sarif"`},
		{[]string{"-"}, "harden needs a folder or a compose file, not -"},
	} {
		code, _, errOut := cli(t, "", append([]string{"harden"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.err) {
			t.Errorf("harden %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.err)
		}
	}
}
