package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/jobs/jobstest"
	"github.com/composeguard/composeguard/checks"
)

// cli runs the command as main does and returns its exit code and output.
func cli(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// write creates files (path → content) under dir.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// onlyPolicy is a policy file that turns every rule off but those named (and
// the rules about the policy itself), so rules written later cannot change
// what a test expects.
func onlyPolicy(extra string, keep ...string) string {
	on := map[string]bool{}
	for _, id := range keep {
		on[id] = true
	}
	var b strings.Builder
	b.WriteString("rules:\n")
	for _, r := range checks.All() {
		if !on[r.ID] && r.Category != checks.Policy {
			b.WriteString("  " + r.ID + ": off\n")
		}
	}
	return b.String() + extra
}

type jsonFinding struct {
	Rule        string  `json:"rule"`
	Severity    string  `json:"severity"`
	Category    string  `json:"category"`
	File        string  `json:"file"`
	Line        int     `json:"line"`
	Column      int     `json:"column"`
	Service     *string `json:"service"`
	Message     string  `json:"message"`
	Fix         string  `json:"fix"`
	Fingerprint string  `json:"fingerprint"`
}

type jsonAudit struct {
	FilesAudited int                `json:"files_audited"`
	Score        map[string]float64 `json:"score"`
	Findings     []jsonFinding      `json:"findings"`
	Waived       []jsonFinding      `json:"waived"`
}

func decode(t *testing.T, out string) jsonAudit {
	t.Helper()
	var a jsonAudit
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return a
}

// of lists the findings of one rule as "file:line service".
func of(a jsonAudit, rule string) []string {
	var out []string
	for _, f := range a.Findings {
		if f.Rule != rule {
			continue
		}
		s := ""
		if f.Service != nil {
			s = *f.Service
		}
		out = append(out, f.File+":"+strconv.Itoa(f.Line)+" "+s)
	}
	sort.Strings(out)
	return out
}

func TestRun(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout string // part of
		stderr string // part of
	}{
		{nil, 2, "", "Usage:"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"help"}, 0, "composeguard audit", ""},
		{[]string{"--help"}, 0, "Usage:", ""},
		{[]string{"version"}, 0, "composeguard dev\n", ""},
		{[]string{"--version"}, 0, "composeguard dev\n", ""},
		{[]string{"serve", "--listen", "nowhere"}, 2, "", "COMPOSEGUARD_LISTEN"},
		{[]string{"bump", "--help"}, 0, "", "Usage: composeguard bump"},
	}
	for _, tc := range cases {
		code, out, errOut := cli(t, "", tc.args...)
		if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d, %q, %q", tc.args, code, out, errOut, tc.code, tc.stdout, tc.stderr)
		}
	}
}

func TestMigrate(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{
		"sqlite":   func(t testing.TB) string { return "sqlite://" + filepath.Join(t.TempDir(), "cg.db") },
		"postgres": jobstest.PostgresURL,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := url(t)
			env := func(k string) string { return map[string]string{"COMPOSEGUARD_DATABASE_URL": db}[k] }
			var out, errs strings.Builder
			if code := migrate(nil, env, &out, &errs); code != 0 || !strings.Contains(out.String(), "River's migrations 1 to ") ||
				!strings.Contains(out.String(), "composeguard's migrations 1 to 5 applied") {
				t.Fatalf("first migrate: exit %d\n%s%s", code, out.String(), errs.String())
			}
			out.Reset()
			if code := migrate([]string{"--database-url", db}, env, &out, &errs); code != 0 ||
				!strings.HasSuffix(out.String(), ": River's tables up to date; composeguard's tables up to date\n") {
				t.Errorf("second migrate: exit %d\n%s%s", code, out.String(), errs.String())
			}
		})
	}
	var out, errs strings.Builder
	bad := func(string) string { return "postgres://cg:s3cret@127.0.0.1:1/cg?connect_timeout=2" }
	if code := migrate(nil, bad, &out, &errs); code != 1 || strings.Contains(errs.String(), "s3cret") || !strings.Contains(errs.String(), "cg:xxxxx@127.0.0.1:1") {
		t.Errorf("unreachable database: exit %d, %q; want 1 and the URL without its password", code, errs.String())
	}
	if code := migrate(nil, func(string) string { return "mysql://db" }, &out, &errs); code != 2 {
		t.Errorf("unknown scheme: exit %d, want 2", code)
	}
}
