package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gitRepo makes a repository (a folder with .git) holding files.
func gitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, root, files)
	return root
}

// The policy at the repository root governs every path audited in it, as
// in CI and the pull request review: a subfolder, a single file, a run from
// inside a subfolder; exceptions' file: globs match repository paths.
func TestAuditPolicyFromTheRepositoryRoot(t *testing.T) {
	root := gitRepo(t, map[string]string{
		".composeguard.yml": onlyPolicy("exceptions:\n  - rule: privileged-container\n    file: stacks/db/*.yml\n    service: db\n    reason: kvm\n    expires: 2999-01-01\n",
			"privileged-container"),
		"stacks/web/compose.yaml":      privileged,
		"stacks/db/docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    privileged: true\n",
	})
	t.Chdir(root)
	cases := []struct {
		name, dir string
		args      []string
		want      string
		waived    int
	}{
		{"a subfolder", ".", []string{"stacks"}, "stacks/web/compose.yaml:4 web", 1},
		{"a single file", ".", []string{"stacks/db/docker-compose.yml"}, "", 1},
		{"the other stack's file", ".", []string{"stacks/web/compose.yaml"}, "stacks/web/compose.yaml:4 web", 0},
		{"from inside a subfolder", "stacks/web", []string{"."}, "compose.yaml:4 web", 0},
		{"from inside, the other stack", "stacks/web", []string{"../db"}, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(filepath.Join(root, tc.dir))
			code, out, errOut := cli(t, "", append([]string{"audit", "--format", "json"}, tc.args...)...)
			a := decode(t, out)
			got := strings.Join(of(a, "privileged-container"), ",")
			if got != tc.want || len(a.Waived) != tc.waived || code != map[bool]int{true: 1, false: 0}[tc.want != ""] {
				t.Errorf("exit %d, findings %q (want %q), %d waived (want %d); %s", code, got, tc.want, len(a.Waived), tc.waived, errOut)
			}
			// Only privileged-container is on: the root policy applied.
			for _, f := range a.Findings {
				if f.Rule != "privileged-container" {
					t.Errorf("rule %s reported: the root policy turns it off", f.Rule)
				}
			}
		})
	}
}

// A policy file below the root is not read, here as in the review; the
// audit says so once.
func TestAuditNestedPolicyIsNotRead(t *testing.T) {
	root := gitRepo(t, map[string]string{
		".composeguard.yml":        onlyPolicy("", "privileged-container"),
		"stacks/.composeguard.yml": onlyPolicy("", "privileged-container") + "  privileged-container: off\n",
		"stacks/web/compose.yaml":  privileged,
	})
	code, out, _ := cli(t, "", "audit", "--format", "json", filepath.Join(root, "stacks", "web"))
	a := decode(t, out)
	nested := filepath.ToSlash(filepath.Join(root, "stacks", ".composeguard.yml")) + ":1 "
	if code != 1 || len(of(a, "privileged-container")) != 1 || strings.Join(of(a, "policy-nested"), ",") != nested {
		t.Errorf("exit %d, findings %+v", code, a.Findings)
	}
}

func TestAuditNoComposeFilesExitsTwo(t *testing.T) {
	root := gitRepo(t, map[string]string{"stacks/app.yml": privileged, "compose.yaml": clean, "docs/README.md": "hi"})
	for _, arg := range []string{filepath.Join(root, "stacks"), filepath.Join(root, "docs")} {
		code, out, errOut := cli(t, "", "audit", arg)
		if code != 2 || out != "" {
			t.Errorf("%s: exit %d, stdout %q", arg, code, out)
		}
		for _, want := range []string{"no compose files found under " + arg, "docker-compose*.yml", "composeguard audit path/to/file.yml"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s: stderr %q does not say %q", arg, errOut, want)
			}
		}
	}
	// Named explicitly, a file is audited whatever its name.
	if code, out, _ := cli(t, "", "audit", "--format", "json", filepath.Join(root, "stacks", "app.yml")); code != 1 || len(of(decode(t, out), "privileged-container")) != 1 {
		t.Errorf("explicit file: exit %d\n%s", code, out)
	}
}

// An override below its main file is audited merged with it, from the
// CLI as from the engine: named alone, it brings its main file along.
func TestAuditOverrideInASubfolder(t *testing.T) {
	root := gitRepo(t, map[string]string{
		".composeguard.yml":  onlyPolicy("", "privileged-container", "compose-incomplete"),
		"docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",
		"helper-scripts/EXTRA/docker-compose.override.yml": "services:\n  web:\n    privileged: true\n",
	})
	t.Chdir(root)
	code, out, _ := cli(t, "", "audit", "--format", "json", "helper-scripts/EXTRA/docker-compose.override.yml")
	a := decode(t, out)
	if code != 1 || strings.Join(of(a, "privileged-container"), ",") != "helper-scripts/EXTRA/docker-compose.override.yml:3 web" ||
		len(of(a, "compose-incomplete")) != 0 || a.FilesAudited != 2 {
		t.Errorf("exit %d, %d files, findings %+v", code, a.FilesAudited, a.Findings)
	}
}
