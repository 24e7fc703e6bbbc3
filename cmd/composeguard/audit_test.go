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
)

const privileged = `services:
  web:
    image: nginx:1.27
    privileged: true
  db:
    image: postgres:16
`

const clean = `services:
  web:
    image: nginx:1.27
`

// repo makes a folder with a compose file and a policy that keeps only
// privileged-container on.
func repo(t *testing.T, compose string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": compose, ".composeguard.yml": onlyPolicy("", "privileged-container")})
	return dir
}

func TestAuditExitCodes(t *testing.T) {
	bad, good := repo(t, privileged), repo(t, clean)
	medium := t.TempDir()
	write(t, medium, map[string]string{"compose.yaml": privileged,
		".composeguard.yml": onlyPolicy("  privileged-container: medium\n", "privileged-container")})
	lowThreshold := t.TempDir()
	write(t, lowThreshold, map[string]string{"compose.yaml": privileged,
		".composeguard.yml": onlyPolicy("  privileged-container: medium\nfail_on: medium\n", "privileged-container")})
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"finding at the default threshold", []string{bad}, 1},
		{"nothing at or above it", []string{good}, 0},
		{"--fail-on never", []string{"--fail-on", "never", bad}, 0},
		{"--fail-on=never", []string{"--fail-on=never", bad}, 0},
		{"medium below the default high", []string{medium}, 0},
		{"--fail-on medium", []string{"--fail-on", "medium", medium}, 1},
		{"--fail-on critical", []string{"--fail-on", "critical", medium}, 0},
		{"policy fail_on", []string{lowThreshold}, 1},
		{"--fail-on overrides the policy", []string{"--fail-on", "high", lowThreshold}, 0},
		{"failing in the second path", []string{good, bad}, 1},
		{"unknown format", []string{"--format", "xml", good}, 2},
		{"unknown severity", []string{"--fail-on", "severe", good}, 2},
		{"unknown flag", []string{"--frobnicate", good}, 2},
		{"missing path", []string{filepath.Join(good, "nope")}, 2},
		{"missing second path", []string{good, filepath.Join(good, "nope")}, 2},
		{"missing policy file", []string{"--policy", filepath.Join(good, "nope.yml"), good}, 2},
		{"help", []string{"--help"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := cli(t, "", append([]string{"audit"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			if code == 2 && tc.name != "help" && errOut == "" {
				t.Error("a usage or I/O error must say what went wrong on stderr")
			}
		})
	}
}

func TestAuditErrorsNameTheProblem(t *testing.T) {
	dir := repo(t, clean)
	for args, want := range map[string]string{
		"--format xml":            `unknown format "xml"`,
		"--fail-on severe":        `unknown severity "severe"`,
		"--policy /nonexistent/p": "/nonexistent/p",
	} {
		code, out, errOut := cli(t, "", append(append([]string{"audit"}, strings.Fields(args)...), dir)...)
		if code != 2 || !strings.Contains(errOut, want) || out != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q", args, code, errOut, out)
		}
	}
}

func TestAuditStdin(t *testing.T) {
	code, out, _ := cli(t, privileged, "audit", "--format", "json", "-")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	a := decode(t, out)
	if a.FilesAudited != 1 {
		t.Errorf("files_audited = %d", a.FilesAudited)
	}
	if got := of(a, "privileged-container"); strings.Join(got, ",") != "<stdin>:4 web" {
		t.Errorf("privileged findings = %v", got)
	}
	// The stdin file is judged on its own: no .composeguard.yml is read.
	code, _, _ = cli(t, clean, "audit", "--fail-on", "never", "-")
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	code, out, _ = cli(t, "services: [\n", "audit", "--format", "json", "-")
	if a := decode(t, out); code != 1 || len(of(a, "compose-invalid")) != 1 || a.Score["overall"] != 0 {
		t.Errorf("broken stdin: exit %d, %+v", code, a)
	}
}

func TestAuditJSON(t *testing.T) {
	dir := repo(t, privileged)
	code, out, _ := cli(t, "", "audit", "--format", "json", dir)
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	a := decode(t, out)
	if len(a.Findings) != 1 {
		t.Fatalf("findings = %+v", a.Findings)
	}
	f := a.Findings[0]
	if f.Rule != "privileged-container" || f.Severity != "critical" || f.Category != "host-isolation" ||
		f.File != filepath.ToSlash(filepath.Join(dir, "compose.yaml")) || f.Line != 4 || f.Column != 17 ||
		f.Service == nil || *f.Service != "web" || f.Message == "" || f.Fix == "" || len(f.Fingerprint) != 16 {
		t.Errorf("finding = %+v", f)
	}
	// A privileged container is root on the host: db does not help.
	want := map[string]float64{"container_hardening": 10, "image_security": 10, "system_security": 0, "overall": 6.7}
	for k, v := range want {
		if a.Score[k] != v {
			t.Errorf("score %s = %v, want %v", k, a.Score[k], v)
		}
	}
}

func TestAuditFormats(t *testing.T) {
	dir := repo(t, privileged)
	for format, want := range map[string]string{
		"text":     "compose.yaml:4:17  critical  privileged-container  [web] runs privileged",
		"sarif":    `"version": "2.1.0"`,
		"markdown": "## composeguard audit\n",
	} {
		code, out, _ := cli(t, "", "audit", "--format", format, dir)
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, output\n%s", format, code, out)
		}
	}
	_, out, _ := cli(t, "", "audit", dir)
	for _, s := range []string{"    fix: ", "Container Hardening", "Image Security", "System Security", "Overall", "6.7 / 10"} {
		if !strings.Contains(out, s) {
			t.Errorf("text output lacks %q:\n%s", s, out)
		}
	}
	_, out, _ = cli(t, "", "audit", "--format", "sarif", dir)
	var sarif struct {
		Runs []struct {
			Tool struct{ Driver struct{ Version string } }
		}
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil || sarif.Runs[0].Tool.Driver.Version != version {
		t.Errorf("SARIF driver version must be the build's (%s): %v\n%s", version, err, out)
	}
}

func TestAuditFolderPolicyTurnsRuleOff(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": privileged})
	_, out, _ := cli(t, "", "audit", "--format", "json", dir)
	if got := of(decode(t, out), "privileged-container"); len(got) != 1 {
		t.Fatalf("without a policy: %v", got)
	}
	write(t, dir, map[string]string{".composeguard.yml": "rules:\n  privileged-container: off\n"})
	_, out, _ = cli(t, "", "audit", "--format", "json", dir)
	if got := of(decode(t, out), "privileged-container"); len(got) != 0 {
		t.Errorf("the folder's policy turns the rule off: %v", got)
	}
}

func TestAuditPolicyFlag(t *testing.T) {
	dir := repo(t, privileged) // its own policy keeps privileged-container on
	pol := filepath.Join(t.TempDir(), "strict.yml")
	write(t, filepath.Dir(pol), map[string]string{"strict.yml": onlyPolicy("  privileged-container: off\n")})
	code, out, _ := cli(t, "", "audit", "--format", "json", "--policy", pol, dir)
	a := decode(t, out)
	if code != 0 || len(of(a, "privileged-container")) != 0 {
		t.Errorf("--policy replaces the folder's policy: exit %d, %v", code, a.Findings)
	}
	// Problems in the --policy file are named by the path as typed, once,
	// however many folders it applies to.
	other := repo(t, clean)
	write(t, filepath.Dir(pol), map[string]string{"strict.yml": onlyPolicy("fail_on: loud\n", "privileged-container")})
	code, out, _ = cli(t, "", "audit", "--format", "json", "--policy", pol, dir, other)
	a = decode(t, out)
	if got := of(a, "policy-invalid"); code != 1 || strings.Join(got, ",") != filepath.ToSlash(pol)+":"+strconv.Itoa(strings.Count(onlyPolicy("", "privileged-container"), "\n")+1)+" " {
		t.Errorf("exit %d, policy-invalid findings %v", code, got)
	}
}

func TestAuditUnreadablePolicy(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": clean, "real.yml": "rules:\n  privileged-container: off\n"})
	if err := os.Symlink(filepath.Join(dir, "real.yml"), filepath.Join(dir, ".composeguard.yml")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	_, out, _ := cli(t, "", "audit", "--format", "json", dir)
	if got := of(decode(t, out), "policy-invalid"); len(got) != 1 {
		t.Errorf("a policy file that cannot be read must be a finding: %v", got)
	}
}

func TestAuditFileArgument(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		".composeguard.yml":     onlyPolicy("", "privileged-container"),
		"compose.yaml":          privileged,
		"compose.override.yaml": "services:\n  db:\n    privileged: true\n",
		"docker-compose.yml":    privileged,
		"stack.yml":             privileged,
	})
	code, out, _ := cli(t, "", "audit", "--format", "json", dir)
	a := decode(t, out)
	if code != 1 || a.FilesAudited != 3 || len(of(a, "privileged-container")) != 3 {
		t.Fatalf("the folder: exit %d, %d files, %v", code, a.FilesAudited, of(a, "privileged-container"))
	}
	// A file path audits the projects the file belongs to: a main file with
	// the override Compose loads beside it, any file whatever its name.
	at := func(name string, line int, service string) string {
		return filepath.ToSlash(filepath.Join(dir, name)) + ":" + strconv.Itoa(line) + " " + service
	}
	for _, tc := range []struct {
		name  string
		files int
		want  []string
	}{
		{"docker-compose.yml", 1, []string{at("docker-compose.yml", 4, "web")}},
		{"compose.yaml", 2, []string{at("compose.override.yaml", 3, "db"), at("compose.yaml", 4, "web")}},
		{"compose.override.yaml", 2, []string{at("compose.override.yaml", 3, "db"), at("compose.yaml", 4, "web")}},
		{"stack.yml", 1, []string{at("stack.yml", 4, "web")}},
	} {
		code, out, _ := cli(t, "", "audit", "--format", "json", filepath.Join(dir, tc.name))
		a := decode(t, out)
		if got := of(a, "privileged-container"); code != 1 || a.FilesAudited != tc.files || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: exit %d, %d files, findings %v; want %d files, %v", tc.name, code, a.FilesAudited, got, tc.files, tc.want)
		}
	}
}

func TestAuditKeepsPathsAsTyped(t *testing.T) {
	root := t.TempDir()
	write(t, root, map[string]string{
		"a/compose.yaml": privileged, "a/.composeguard.yml": onlyPolicy("", "privileged-container"),
		"b/sub/docker-compose.yml": privileged, "b/.composeguard.yml": onlyPolicy("", "privileged-container"),
	})
	t.Chdir(root)
	abs := filepath.ToSlash(filepath.Join(root, "a"))
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"a", "b"}, []string{"a/compose.yaml:4 web", "b/sub/docker-compose.yml:4 web"}},
		{[]string{"b", "a/compose.yaml"}, []string{"a/compose.yaml:4 web", "b/sub/docker-compose.yml:4 web"}},
		{[]string{abs}, []string{abs + "/compose.yaml:4 web"}},
		{[]string{"b/sub"}, []string{"b/sub/docker-compose.yml:4 web"}},
	}
	for _, tc := range cases {
		code, out, errOut := cli(t, "", append([]string{"audit", "--format", "json"}, tc.args...)...)
		a := decode(t, out)
		if got := of(a, "privileged-container"); code != 1 || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%v: exit %d, findings %v, want %v (%s)", tc.args, code, got, tc.want, errOut)
		}
	}
	// Without a PATH: the current folder.
	t.Chdir(filepath.Join(root, "a"))
	code, out, _ := cli(t, "", "audit", "--format", "json")
	if got := of(decode(t, out), "privileged-container"); code != 1 || strings.Join(got, ",") != "compose.yaml:4 web" {
		t.Errorf("no PATH: exit %d, %v", code, got)
	}
}

// offTerminal calls write with a regular file, then with a pipe, and returns
// what each received, by "file" and "pipe".
func offTerminal(t *testing.T, write func(*os.File)) map[string][]byte {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	piped := make(chan []byte)
	go func() {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r)
		piped <- b.Bytes()
	}()
	write(f)
	write(w)
	w.Close()
	got := map[string][]byte{"pipe": <-piped}
	if got["file"], err = os.ReadFile(f.Name()); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestAuditNoColourWithoutTerminal(t *testing.T) {
	dir := repo(t, privileged)
	t.Setenv("NO_COLOR", "")
	// a buffer
	_, out, _ := cli(t, "", "audit", dir)
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour in a buffer:\n%q", out)
	}
	var errOut bytes.Buffer
	for name, b := range offTerminal(t, func(w *os.File) { run([]string{"audit", dir}, strings.NewReader(""), w, &errOut) }) {
		if !bytes.Contains(b, []byte("privileged-container")) {
			t.Errorf("%s: no output:\n%s", name, b)
		}
		if bytes.Contains(b, []byte("\x1b[")) {
			t.Errorf("colour in a %s:\n%q", name, b)
		}
	}
	// --color always forces it, for the record.
	_, out, _ = cli(t, "", "audit", "--color", "always", dir)
	if !strings.Contains(out, "\x1b[") {
		t.Error("--color always must colour")
	}
}

func TestAuditFingerprintsThroughCLI(t *testing.T) {
	fingerprint := func(content string) string {
		_, out, _ := cli(t, content, "audit", "--format", "json", "-")
		for _, f := range decode(t, out).Findings {
			if f.Rule == "privileged-container" && f.Service != nil && *f.Service == "web" {
				return f.Fingerprint
			}
		}
		t.Fatalf("no finding in\n%s", out)
		return ""
	}
	base := fingerprint(privileged)
	if got := fingerprint("# header\n\n" + strings.Replace(privileged, "  web:\n", "  # the web server\n\n  web:\n", 1)); got != base {
		t.Errorf("fingerprint moved with the lines: %s, want %s", got, base)
	}
	if got := fingerprint(strings.Replace(privileged, "  web:", "  www:\n    image: x\n  web:", 1)); got != base {
		t.Errorf("fingerprint changed when a service was added above: %s, want %s", got, base)
	}
}

func TestAuditExceptionsInFolderPolicy(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"compose.yaml": privileged,
		".composeguard.yml": onlyPolicy("exceptions:\n  - rule: privileged-container\n    service: web\n    reason: kvm\n    expires: 2000-01-01\n",
			"privileged-container"),
	})
	code, out, _ := cli(t, "", "audit", "--format", "json", dir)
	a := decode(t, out)
	if code != 1 || len(of(a, "exception-expired")) != 1 || len(of(a, "privileged-container")) != 1 {
		t.Errorf("an expired exception: exit %d, %+v", code, a.Findings)
	}
	write(t, dir, map[string]string{
		".composeguard.yml": onlyPolicy("exceptions:\n  - rule: privileged-container\n    service: web\n    reason: kvm\n    expires: 2999-01-01\n",
			"privileged-container"),
	})
	code, out, _ = cli(t, "", "audit", "--format", "json", dir)
	a = decode(t, out)
	if code != 0 || len(a.Findings) != 0 || len(a.Waived) != 1 {
		t.Errorf("a valid exception: exit %d, findings %+v, waived %+v", code, a.Findings, a.Waived)
	}
}

func TestAuditFlagsAfterPaths(t *testing.T) {
	dir := repo(t, privileged)
	code, out, errOut := cli(t, "", "audit", dir, "--format", "json", "--fail-on", "never")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if a := decode(t, out); len(a.Findings) != 1 {
		t.Errorf("flags after the path were not applied: %+v", a.Findings)
	}
}

// SARIF and Code Quality name files from the repository root, as code
// scanning and GitLab resolve them, whatever path was typed and wherever
// the command runs; text and JSON keep the paths as typed.
func TestAuditMachineFormatsNameFilesFromTheRepositoryRoot(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "repo")
	write(t, root, map[string]string{
		".git/HEAD":               "ref: refs/heads/main\n",
		".composeguard.yml":       onlyPolicy("", "privileged-container"),
		"stacks/app/compose.yaml": privileged,
		"policies/strict.yml":     onlyPolicy("fial_on: low\n", "privileged-container"),
	})
	const want = "stacks/app/compose.yaml"
	file := filepath.Join(root, "stacks", "app", "compose.yaml")
	cases := []struct {
		cwd  string
		args []string
	}{
		{root, []string{"."}},
		{root, []string{"stacks"}},
		{root, []string{"./stacks/"}},
		{root, []string{"stacks/app/compose.yaml"}},
		{root, []string{file}},
		{filepath.Join(root, "stacks"), nil},
		{filepath.Join(root, "stacks"), []string{"app"}},
		{filepath.Join(root, "stacks", "app"), []string{"../../stacks/app/compose.yaml"}},
		{top, []string{"repo/stacks"}},
		{top, []string{"repo/stacks/app/compose.yaml"}},
		{t.TempDir(), []string{filepath.Join(root, "stacks")}},
	}
	for _, tc := range cases {
		t.Chdir(tc.cwd)
		for _, format := range []string{"sarif", "codequality"} {
			code, out, errOut := cli(t, "", append([]string{"audit", "--format", format}, tc.args...)...)
			if code != 1 {
				t.Fatalf("%s %v in %s: exit %d: %s", format, tc.args, tc.cwd, code, errOut)
			}
			if got := machinePaths(t, format, out); strings.Join(got, ",") != want {
				t.Errorf("%s %v in %s: paths %v, want %s", format, tc.args, tc.cwd, got, want)
			}
		}
	}

	// The JSON output of the same run keeps the path as typed.
	t.Chdir(filepath.Join(root, "stacks"))
	_, out, _ := cli(t, "", "audit", "--format", "json", "app")
	if got := of(decode(t, out), "privileged-container"); strings.Join(got, ",") != "app/compose.yaml:4 web" {
		t.Errorf("json: %v, want the path as typed", got)
	}

	// Findings about a --policy file inside the repository name it from the
	// root too.
	_, out, _ = cli(t, "", "audit", "--format", "sarif", "--policy", "../policies/strict.yml", "app")
	if got := machinePaths(t, "sarif", out); strings.Join(got, ",") != "policies/strict.yml,"+want {
		t.Errorf("--policy in the repository: paths %v", got)
	}

	// Paths in two repositories have no one root.
	other := t.TempDir()
	write(t, other, map[string]string{".git/HEAD": "ref: refs/heads/main\n", "compose.yaml": privileged})
	code, _, errOut := cli(t, "", "audit", "--format", "codequality", "app", other)
	if code != 2 || !strings.Contains(errOut, "one repository root") || !strings.Contains(errOut, other) {
		t.Errorf("two repositories: exit %d, %s", code, errOut)
	}
}

// machinePaths lists the file paths of a SARIF or Code Quality report,
// sorted; SARIF's must be based at %SRCROOT%.
func machinePaths(t *testing.T, format, out string) []string {
	t.Helper()
	var paths []string
	switch format {
	case "sarif":
		var doc struct {
			Runs []struct {
				Results []struct {
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct {
								URI       string `json:"uri"`
								URIBaseID string `json:"uriBaseId"`
							} `json:"artifactLocation"`
						} `json:"physicalLocation"`
					} `json:"locations"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("not SARIF: %v\n%s", err, out)
		}
		for _, r := range doc.Runs[0].Results {
			a := r.Locations[0].PhysicalLocation.ArtifactLocation
			if a.URIBaseID != "%SRCROOT%" {
				t.Errorf("uriBaseId %q", a.URIBaseID)
			}
			paths = append(paths, a.URI)
		}
	case "codequality":
		var issues []struct {
			Location struct {
				Path string `json:"path"`
			} `json:"location"`
		}
		if err := json.Unmarshal([]byte(out), &issues); err != nil {
			t.Fatalf("not a Code Quality report: %v\n%s", err, out)
		}
		for _, is := range issues {
			paths = append(paths, is.Location.Path)
		}
	}
	sort.Strings(paths)
	return paths
}
