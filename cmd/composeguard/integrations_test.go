package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/vulns/vulnstest"
	"go.yaml.in/yaml/v3"
)

// asCommand makes the test binary run as the composeguard command, so the
// scripts of the GitHub Action and the GitLab template run the real thing.
const asCommand = "COMPOSEGUARD_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	vulnstest.RunIfTrivy()
	if os.Getenv(asCommand) == "1" {
		main()
	}
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// commandOnPath puts a `composeguard` on the PATH that runs this test
// binary as the command, and a `go` that does nothing (the scripts install
// composeguard with it).
func commandOnPath(t *testing.T) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	write(t, bin, map[string]string{
		"composeguard": "#!/bin/sh\n" + asCommand + "=1 exec '" + self + "' \"$@\"\n",
		"go":           "#!/bin/sh\nexit 0\n",
	})
	for _, name := range []string{"composeguard", "go"} {
		if err := os.Chmod(filepath.Join(bin, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// bash runs a script as GitHub Actions runs a bash step (and GitLab a job
// script), in dir with extra environment, and returns its exit status.
func bash(t *testing.T, dir, script string, env map[string]string) (int, string) {
	t.Helper()
	shell, err := exec.LookPath("bash")
	if err != nil {
		t.Skipf("no bash: %v", err)
	}
	cmd := exec.Command(shell, "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// readRepoFile reads a file of this repository.
func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// integrationRepo is a checkout with a problem in a compose file below the
// root and a clean one elsewhere.
func integrationRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		".git/HEAD":               "ref: refs/heads/main\n",
		".composeguard.yml":       onlyPolicy("", "privileged-container"),
		"stacks/app/compose.yaml": privileged,
		"other/compose.yaml":      clean,
		"lenient.yml":             onlyPolicy("", "privileged-container") + "fail_on: never\n",
	})
	return dir
}

type actionFile struct {
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
	With map[string]string `yaml:"with"`
}

var expression = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// TestGitHubAction runs the action's audit step and its failing step as a
// runner would, with composeguard on the PATH, and checks each input
// becomes the audit flag it names.
func TestGitHubAction(t *testing.T) {
	var action actionFile
	if err := yaml.Unmarshal(readRepoFile(t, "action.yml"), &action); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if action.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", action.Runs.Using)
	}
	step := func(id string) actionStep {
		i := slices.IndexFunc(action.Runs.Steps, func(s actionStep) bool { return s.ID == id || s.Name == id })
		if i < 0 {
			t.Fatalf("action.yml has no step %q", id)
		}
		return action.Runs.Steps[i]
	}
	audit := step("audit")

	// Every input is used, and only declared inputs are; scripts read them
	// from the environment, never pasted in.
	used := map[string]bool{}
	for _, s := range action.Runs.Steps {
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q pastes an expression into its script: a value could run as shell code", s.Name)
		}
		for _, text := range append(slices.Collect(maps.Values(s.Env)), append(slices.Collect(maps.Values(s.With)), s.If)...) {
			for _, m := range regexp.MustCompile(`inputs\.([a-z-]+)`).FindAllStringSubmatch(text, -1) {
				used[m[1]] = true
				if _, ok := action.Inputs[m[1]]; !ok {
					t.Errorf("step %q uses inputs.%s, which action.yml does not declare", s.Name, m[1])
				}
			}
		}
	}
	for name, in := range action.Inputs {
		if !used[name] {
			t.Errorf("input %s is declared but no step uses it", name)
		}
		if in.Description == "" || in.Default == nil {
			t.Errorf("input %s needs a description and a default", name)
		}
	}
	upload := step("Upload to code scanning")
	if !strings.HasPrefix(upload.Uses, "github/codeql-action/upload-sarif@") || !strings.Contains(upload.With["sarif_file"], "steps.audit.outputs.sarif-file") ||
		!strings.Contains(upload.If, "inputs.upload == 'true'") {
		t.Errorf("upload step: %+v", upload)
	}

	commandOnPath(t)
	dir := integrationRepo(t)
	runAudit := func(inputs map[string]string) (status string, sarif string) {
		t.Helper()
		env := map[string]string{}
		for k, v := range audit.Env {
			m := expression.FindStringSubmatch(v)
			name, ok := strings.CutPrefix(m[1], "inputs.")
			if m == nil || m[0] != v || !ok {
				t.Fatalf("audit step env %s=%s: want an input", k, v)
			}
			value, set := inputs[name]
			if !set {
				value = *action.Inputs[name].Default
			}
			env[k] = value
		}
		output := filepath.Join(t.TempDir(), "output")
		env["GITHUB_OUTPUT"] = output
		if code, out := bash(t, dir, audit.Run, env); code != 0 {
			t.Fatalf("%v: the audit step failed (exit %d): %s", inputs, code, out)
		}
		b, err := os.ReadFile(output)
		if err != nil {
			t.Fatal(err)
		}
		outputs := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			k, v, _ := strings.Cut(line, "=")
			outputs[k] = v
		}
		for name, out := range action.Outputs {
			m := regexp.MustCompile(`^\$\{\{ steps\.audit\.outputs\.([a-z-]+) \}\}$`).FindStringSubmatch(out.Value)
			if m == nil || outputs[m[1]] == "" {
				t.Errorf("output %s = %q: the audit step wrote %v", name, out.Value, outputs)
			}
		}
		report, err := os.ReadFile(filepath.Join(dir, outputs["sarif-file"]))
		if err != nil {
			t.Fatal(err)
		}
		return outputs["exit-code"], string(report)
	}

	cases := []struct {
		inputs map[string]string
		status string
		paths  []string
	}{
		{nil, "1", []string{"stacks/app/compose.yaml"}},
		{map[string]string{"paths": "other"}, "0", nil},
		{map[string]string{"paths": "stacks/app\n  other"}, "1", []string{"stacks/app/compose.yaml"}},
		{map[string]string{"fail-on": "never"}, "0", []string{"stacks/app/compose.yaml"}},
		{map[string]string{"fail-on": "critical", "paths": "stacks"}, "1", []string{"stacks/app/compose.yaml"}},
		{map[string]string{"policy": "lenient.yml", "sarif-file": "out/../report.sarif"}, "0", []string{"stacks/app/compose.yaml"}},
		{map[string]string{"fail-on": "severe"}, "2", nil},
	}
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		status, report := runAudit(tc.inputs)
		if status != tc.status {
			t.Errorf("%v: exit-code %s, want %s\n%s", tc.inputs, status, tc.status, report)
		}
		if status == "2" {
			continue
		}
		if got := machinePaths(t, "sarif", report); strings.Join(got, ",") != strings.Join(tc.paths, ",") {
			t.Errorf("%v: SARIF paths %v, want %v", tc.inputs, got, tc.paths)
		}
	}

	// The last step fails the job with composeguard's status.
	fail := step("Fail on findings")
	if fail.If != "steps.audit.outputs.exit-code != '0'" {
		t.Errorf("the last step runs if %q", fail.If)
	}
	for _, status := range []int{1, 2} {
		if code, _ := bash(t, dir, fail.Run, map[string]string{"STATUS": strconv.Itoa(status), "SARIF_FILE": "composeguard.sarif"}); code != status {
			t.Errorf("status %d: the last step exits %d", status, code)
		}
	}
}

// TestGitHubActionInREADME: the workflow the README shows passes only
// inputs the action has, and the permission the upload needs.
func TestGitHubActionInREADME(t *testing.T) {
	var action actionFile
	if err := yaml.Unmarshal(readRepoFile(t, "action.yml"), &action); err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(readRepoFile(t, "README.md")), -1)
	found := false
	for _, b := range blocks {
		if !strings.Contains(b[1], "uses: composeguard/composeguard@") {
			continue
		}
		found = true
		var workflow struct {
			Permissions map[string]string `yaml:"permissions"`
			Jobs        map[string]struct {
				Steps []struct {
					Uses string            `yaml:"uses"`
					With map[string]string `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if err := yaml.Unmarshal([]byte(b[1]), &workflow); err != nil {
			t.Fatalf("the README's workflow is not YAML: %v\n%s", err, b[1])
		}
		if workflow.Permissions["security-events"] != "write" {
			t.Errorf("the README's workflow lacks security-events: write, which the upload needs: %v", workflow.Permissions)
		}
		for _, job := range workflow.Jobs {
			for _, s := range job.Steps {
				if !strings.HasPrefix(s.Uses, "composeguard/composeguard@") {
					continue
				}
				for k := range s.With {
					if _, ok := action.Inputs[k]; !ok {
						t.Errorf("the README passes %s, which action.yml does not declare", k)
					}
				}
			}
		}
	}
	if !found {
		t.Error("the README shows no workflow using the action")
	}
}

// TestPreCommitHook runs the hook as pre-commit does: the entry with the
// staged files its pattern selects.
func TestPreCommitHook(t *testing.T) {
	type hook struct {
		ID            string `yaml:"id"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		Files         string `yaml:"files"`
		PassFilenames *bool  `yaml:"pass_filenames"`
	}
	var hooks []hook
	if err := yaml.Unmarshal(readRepoFile(t, ".pre-commit-hooks.yaml"), &hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	i := slices.IndexFunc(hooks, func(h hook) bool { return h.ID == "composeguard-audit" })
	if i < 0 {
		t.Fatal("no composeguard-audit hook")
	}
	h := hooks[i]
	if h.Files != policy.DefaultPattern {
		t.Errorf("files %q, want the audit's default pattern %q", h.Files, policy.DefaultPattern)
	}
	if h.Language != "golang" || h.PassFilenames == nil || !*h.PassFilenames {
		t.Errorf("language %q, pass_filenames %v", h.Language, h.PassFilenames)
	}
	entry := strings.Fields(h.Entry)
	if len(entry) < 2 || entry[0] != "composeguard" {
		t.Fatalf("entry %q, want the composeguard command", h.Entry)
	}

	// pre-commit matches the pattern with Python's re, which reads this one
	// as Go does.
	files := regexp.MustCompile(h.Files)
	staged := []string{"stacks/app/compose.yaml", "other/compose.yaml", "README.md", "compose.yaml.orig", "lenient.yml"}
	var selected []string
	for _, f := range staged {
		if files.MatchString(f) {
			selected = append(selected, f)
		}
	}
	if strings.Join(selected, ",") != "stacks/app/compose.yaml,other/compose.yaml" {
		t.Errorf("the hook selects %v", selected)
	}
	dir := integrationRepo(t)
	t.Chdir(dir)
	code, out, errOut := cli(t, "", append(entry[1:], selected...)...)
	if code != 1 || !strings.Contains(out, "stacks/app/compose.yaml:4:") || !strings.Contains(out, "privileged-container") {
		t.Errorf("the hook on a privileged service: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, "", append(entry[1:], "other/compose.yaml")...); code != 0 {
		t.Errorf("the hook on a clean file: exit %d\n%s%s", code, out, errOut)
	}
}

// TestPreCommitInstallsTheEntry: for `language: golang` pre-commit runs `go
// install ./...` at the repository root, which must install one command,
// named as the entry's first word.
func TestPreCommitInstallsTheEntry(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-f", "{{if eq .Name \"main\"}}{{.ImportPath}}{{end}}", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	mains := strings.Fields(string(out))
	if len(mains) != 1 || filepath.Base(mains[0]) != "composeguard" {
		t.Errorf("go install ./... installs %v, want one command named composeguard", mains)
	}
}

// TestGitLabTemplate runs the template's job script as a runner would and
// checks the Code Quality report it leaves is the one the artifact names.
func TestGitLabTemplate(t *testing.T) {
	var template map[string]struct {
		Variables map[string]string `yaml:"variables"`
		Script    []string          `yaml:"script"`
		Artifacts struct {
			When    string            `yaml:"when"`
			Reports map[string]string `yaml:"reports"`
		} `yaml:"artifacts"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, "ci/gitlab/composeguard.gitlab-ci.yml"), &template); err != nil {
		t.Fatal(err)
	}
	job, ok := template["composeguard"]
	if !ok {
		t.Fatal("the template has no composeguard job")
	}
	report := job.Artifacts.Reports["codequality"]
	if report == "" || job.Artifacts.When != "always" {
		t.Fatalf("artifacts %+v: want reports:codequality, kept when the job fails", job.Artifacts)
	}
	commandOnPath(t)
	dir := integrationRepo(t)
	for _, tc := range []struct {
		variables map[string]string
		status    int
		paths     []string
	}{
		{nil, 1, []string{"stacks/app/compose.yaml"}},
		{map[string]string{"COMPOSEGUARD_PATHS": "other"}, 0, nil},
		{map[string]string{"COMPOSEGUARD_PATHS": "stacks/app other", "COMPOSEGUARD_FAIL_ON": "never"}, 0, []string{"stacks/app/compose.yaml"}},
		{map[string]string{"COMPOSEGUARD_POLICY": "lenient.yml"}, 0, []string{"stacks/app/compose.yaml"}},
		{map[string]string{"COMPOSEGUARD_PATHS": "*"}, 2, nil},
	} {
		env := map[string]string{}
		for k, v := range job.Variables {
			env[k] = v
		}
		for k, v := range tc.variables {
			env[k] = v
		}
		os.Remove(filepath.Join(dir, report))
		code, out := bash(t, dir, strings.Join(job.Script, "\n"), env)
		if code != tc.status {
			t.Errorf("%v: the job exits %d, want %d\n%s", tc.variables, code, tc.status, out)
		}
		if tc.status == 2 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, report))
		if err != nil {
			t.Fatalf("%v: %v", tc.variables, err)
		}
		var issues []map[string]any
		if err := json.Unmarshal(b, &issues); err != nil {
			t.Fatalf("%v: %s is not a Code Quality report: %v", tc.variables, report, err)
		}
		if got := machinePaths(t, "codequality", string(b)); strings.Join(got, ",") != strings.Join(tc.paths, ",") {
			t.Errorf("%v: paths %v, want %v", tc.variables, got, tc.paths)
		}
	}
}
