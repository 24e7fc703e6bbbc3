package policy

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

// problems summarizes a policy's problems as "rule@line".
func problems(p *Policy) []string {
	var out []string
	for _, f := range p.Problems {
		out = append(out, f.Rule+"@"+strconv.Itoa(f.Pos.Line))
	}
	return out
}

func TestDefault(t *testing.T) {
	p := Default()
	if p.FailOn != checks.High {
		t.Errorf("FailOn = %v, want high", p.FailOn)
	}
	if len(p.Severity) != 0 || len(p.Exceptions) != 0 || len(p.Problems) != 0 {
		t.Errorf("default policy not empty: %+v", p)
	}
	if !reflect.DeepEqual(p.Options, checks.DefaultOptions()) {
		t.Errorf("Options = %+v, want the defaults", p.Options)
	}
	if p.MaxInlineComments != 30 {
		t.Errorf("MaxInlineComments = %d, want 30", p.MaxInlineComments)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, content := range []string{"", "\n", "# only a comment\n"} {
		p := Parse(FileName, []byte(content))
		if len(p.Problems) != 0 {
			t.Errorf("%q: problems %v", content, problems(p))
		}
		if p.FailOn != checks.High {
			t.Errorf("%q: FailOn = %v", content, p.FailOn)
		}
	}
}

func TestParseValid(t *testing.T) {
	p := Parse(FileName, []byte(`
files:
  include: ["stacks/*.yml"]
  exclude: ["legacy/**"]
fail_on: medium
rules:
  privileged-container: high
  host-network-mode: off
  docker-socket-mount:
    severity: low
options:
  proxy_networks: [edge]
  tmpfs_every_service: true
review:
  max_inline_comments: 5
bump:
  rules: [{images: [postgres], update_types: [patch, minor]}]
exceptions:
  - rule: privileged-container
    service: "db-*"
    file: compose.yaml
    reason: the driver needs it
    expires: 2030-01-31
`))
	if len(p.Problems) != 0 {
		t.Fatalf("problems: %v (%+v)", problems(p), p.Problems)
	}
	if p.FailOn != checks.Medium {
		t.Errorf("FailOn = %v, want medium", p.FailOn)
	}
	want := map[string]checks.Severity{"privileged-container": checks.High, "host-network-mode": Off, "docker-socket-mount": checks.Low}
	if !reflect.DeepEqual(p.Severity, want) {
		t.Errorf("Severity = %v, want %v", p.Severity, want)
	}
	if !reflect.DeepEqual(p.Options.ProxyNetworks, []string{"edge"}) || !p.Options.TmpfsEveryService {
		t.Errorf("Options = %+v", p.Options)
	}
	// Options not named keep their defaults.
	if !reflect.DeepEqual(p.Options.ProxyPorts, checks.DefaultOptions().ProxyPorts) {
		t.Errorf("ProxyPorts = %v, want the default", p.Options.ProxyPorts)
	}
	if len(p.Exceptions) != 1 {
		t.Fatalf("exceptions = %+v", p.Exceptions)
	}
	e := p.Exceptions[0]
	if e.Rule != "privileged-container" || e.Service != "db-*" || e.File != "compose.yaml" || e.Reason != "the driver needs it" ||
		e.Expires.Format("2006-01-02") != "2030-01-31" || e.Inline || e.Pos.Line != 19 || e.Pos.File != FileName {
		t.Errorf("exception = %+v", e)
	}
	if p.MaxInlineComments != 5 {
		t.Errorf("MaxInlineComments = %d, want 5", p.MaxInlineComments)
	}
}

func TestParseProjects(t *testing.T) {
	p := Parse(FileName, []byte(`projects:
  - files: [compose.yaml, ./compose.prod.yaml]
  - files: [common/networks.yml, "apps/*/docker-compose.yml"]
    each: "apps/*/docker-compose.yml"
`))
	if len(p.Problems) != 0 {
		t.Fatalf("problems %+v", p.Problems)
	}
	want := []compose.Spec{
		{Files: []string{"compose.yaml", "compose.prod.yaml"}, Pos: compose.Position{File: FileName, Line: 2, Column: 5}},
		{Files: []string{"common/networks.yml", "apps/*/docker-compose.yml"}, Each: "apps/*/docker-compose.yml", Pos: compose.Position{File: FileName, Line: 3, Column: 5}},
	}
	if !reflect.DeepEqual(p.Projects, want) {
		t.Errorf("Projects = %+v, want %+v", p.Projects, want)
	}
}

func TestParseFailOnNever(t *testing.T) {
	p := Parse(FileName, []byte("fail_on: never\n"))
	if p.FailOn != FailNever || len(p.Problems) != 0 {
		t.Errorf("FailOn = %v, problems %v", p.FailOn, problems(p))
	}
	if FailNever <= checks.Critical {
		t.Errorf("FailNever (%d) must be above critical", FailNever)
	}
}

func TestParseDashboard(t *testing.T) {
	if p := Parse(FileName, []byte("dashboard: true\n")); !p.Dashboard || len(p.Problems) != 0 {
		t.Errorf("dashboard: true: Dashboard = %v, problems %v", p.Dashboard, problems(p))
	}
	if Default().Dashboard {
		t.Error("a repository without a policy has a dashboard; it must opt in")
	}
	// A word that YAML reads as a string is no opt-in.
	if p := Parse(FileName, []byte("dashboard: \"yes\"\n")); p.Dashboard || !slices.Equal(problems(p), []string{"policy-invalid@1"}) {
		t.Errorf("dashboard: \"yes\": Dashboard = %v, problems %v", p.Dashboard, problems(p))
	}
}

func TestParseProblems(t *testing.T) {
	cases := []struct {
		name    string
		content string
		want    []string // rule@line
		check   func(t *testing.T, p *Policy)
	}{
		{"unknown top-level key", "fail_on: low\nrulez:\n  x: off\n", []string{"policy-invalid@2"}, func(t *testing.T, p *Policy) {
			if p.FailOn != checks.Low {
				t.Errorf("the known keys still apply: FailOn = %v", p.FailOn)
			}
		}},
		{"bad fail_on keeps the default", "fail_on: severe\n", []string{"policy-invalid@1"}, func(t *testing.T, p *Policy) {
			if p.FailOn != checks.High {
				t.Errorf("FailOn = %v, want the default high", p.FailOn)
			}
			if !strings.Contains(p.Problems[0].Message, "severe") {
				t.Errorf("message does not name the value: %q", p.Problems[0].Message)
			}
		}},
		{"unknown rule", "rules:\n  privileged-container: low\n  no-such-rule: off\n", []string{"policy-invalid@3"}, func(t *testing.T, p *Policy) {
			if p.Severity["privileged-container"] != checks.Low {
				t.Errorf("the valid rule still applies: %v", p.Severity)
			}
		}},
		{"bad rule severity", "rules:\n  privileged-container: loud\n", []string{"policy-invalid@2"}, func(t *testing.T, p *Policy) {
			if _, ok := p.Severity["privileged-container"]; ok {
				t.Errorf("a bad severity must leave the default: %v", p.Severity)
			}
		}},
		{"rules not a mapping", "rules: [a]\n", []string{"policy-invalid@1"}, nil},
		{"unknown option", "options:\n  proxy_netwrks: [x]\n", []string{"policy-invalid@2"}, nil},
		{"bad option value keeps its default", "options:\n  proxy_ports: [80, http]\n  require_digest: true\n", []string{"policy-invalid@2"}, func(t *testing.T, p *Policy) {
			if !reflect.DeepEqual(p.Options.ProxyPorts, checks.DefaultOptions().ProxyPorts) {
				t.Errorf("ProxyPorts = %v, want the default", p.Options.ProxyPorts)
			}
			if !p.Options.RequireDigest {
				t.Errorf("the other option must still apply")
			}
		}},
		{"files not a mapping", "files: compose.yml\n", []string{"policy-invalid@1"}, nil},
		{"files unknown key", "files:\n  includes: [a.yml]\n", []string{"policy-invalid@2"}, nil},
		{"files include not a list", "files:\n  include: a.yml\n", []string{"policy-invalid@2"}, nil},
		{"not YAML", "rules: [\n", []string{"policy-invalid@1"}, nil},
		{"not a mapping", "- a\n- b\n", []string{"policy-invalid@1"}, nil},
		{"exceptions not a list", "exceptions:\n  rule: x\n", []string{"policy-invalid@2"}, nil},
		{"exception not a mapping", "exceptions:\n  - privileged-container\n", []string{"policy-invalid@2"}, nil},
		{"exception unknown key", "exceptions:\n  - rule: privileged-container\n    reason: r\n    expires: 2030-01-01\n    owner: me\n", []string{"policy-invalid@5"}, func(t *testing.T, p *Policy) {
			if len(p.Exceptions) != 1 {
				t.Errorf("the exception itself is valid: %+v", p.Exceptions)
			}
		}},
		{"exception unknown rule", "exceptions:\n  - rule: nope\n    reason: r\n    expires: 2030-01-01\n", []string{"policy-invalid@2"}, nil},
		{"review not a mapping", "review: 10\n", []string{"policy-invalid@1"}, nil},
		{"review unknown key", "review:\n  max_inline: 10\n", []string{"policy-invalid@2"}, nil},
		{"bad max_inline_comments keeps the default", "review:\n  max_inline_comments: -1\n", []string{"policy-invalid@2"}, func(t *testing.T, p *Policy) {
			if p.MaxInlineComments != DefaultMaxInlineComments {
				t.Errorf("MaxInlineComments = %d, want the default", p.MaxInlineComments)
			}
		}},
		{"max_inline_comments not a number", "review:\n  max_inline_comments: lots\n", []string{"policy-invalid@2"}, nil},
		{"projects not a list", "projects:\n  files: [a.yml]\n", []string{"policy-invalid@2"}, nil},
		{"project not a mapping", "projects:\n  - a.yml\n", []string{"policy-invalid@2"}, nil},
		{"project without files", "projects:\n  - each: \"apps/*/compose.yml\"\n", []string{"policy-invalid@2"}, nil},
		{"project unknown key", "projects:\n  - files: [a.yml]\n    with: b.yml\n", []string{"policy-invalid@3"}, func(t *testing.T, p *Policy) {
			if len(p.Projects) != 1 {
				t.Errorf("the files still declare a project: %+v", p.Projects)
			}
		}},
		{"project file outside the repository is left out", "projects:\n  - files: [../common.yml, a.yml]\n  - files: [/etc/compose.yml]\n  - files: [b.yml]\n", []string{"policy-invalid@2", "policy-invalid@3"}, func(t *testing.T, p *Policy) {
			if len(p.Projects) != 1 || p.Projects[0].Files[0] != "b.yml" {
				t.Errorf("only the valid project stays: %+v", p.Projects)
			}
		}},
		{"project each not a glob", "projects:\n  - files: [a.yml]\n    each: [b.yml]\n", []string{"policy-invalid@3"}, nil},
		{"harden not a mapping", "harden: 512M\n", []string{"policy-invalid@1"}, nil},
		{"harden unknown key", "harden:\n  memory_limit: 1g\n", []string{"policy-invalid@2"}, nil},
		{"bad harden values keep their defaults", "harden:\n  memory: 4M\n  cpus: 0\n  pids: -1\n", []string{"policy-invalid@2", "policy-invalid@3", "policy-invalid@4"}, func(t *testing.T, p *Policy) {
			if p.Harden != (Harden{}) {
				t.Errorf("Harden = %+v, want the defaults", p.Harden)
			}
		}},
		{"harden values that are not sizes or numbers", "harden:\n  memory: \"512M\\nprivileged: true\"\n  cpus: \"1e3\"\n  pids: 2.5\n", []string{"policy-invalid@2", "policy-invalid@3", "policy-invalid@4"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Parse(FileName, []byte(tc.content))
			got := problems(p)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("problems = %v, want %v (%+v)", got, tc.want, p.Problems)
			}
			for _, f := range p.Problems {
				if f.Severity != checks.High || f.Category != checks.Policy || f.Pos.File != FileName || f.Service != "" || f.Fix == "" {
					t.Errorf("problem %+v: want a high policy finding about %s with a fix", f, FileName)
				}
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func TestUnreadable(t *testing.T) {
	p := Unreadable(FileName, errors.New("symbolic links are not followed"))
	if got := problems(p); strings.Join(got, ",") != "policy-invalid@1" {
		t.Fatalf("problems = %v", got)
	}
	if !strings.Contains(p.Problems[0].Message, "symbolic links") || p.FailOn != checks.High {
		t.Errorf("policy = %+v", p)
	}
}

func TestSelectsDefaultPattern(t *testing.T) {
	p := Default()
	for path, want := range map[string]bool{
		"compose.yaml":                 true,
		"compose.yml":                  true,
		"docker-compose.yml":           true,
		"docker-compose.yaml":          true,
		"compose.override.yaml":        true,
		"docker-compose.prod.yml":      true,
		"compose-dev.yaml":             true,
		"deploy/stack/compose.yaml":    true,
		"a/b/docker-compose.test.yml":  true,
		"compose.yaml.bak":             false,
		"compose.json":                 false,
		"my-compose.yml":               false,
		"mycompose.yml":                false,
		"compose/app.yml":              false,
		"stack.yml":                    false,
		".composeguard.yml":            false,
		"docs/docker-compose.md":       false,
		"docker-compose/settings.yaml": false,
	} {
		if got := p.Selects(path); got != want {
			t.Errorf("Selects(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestSelectsIncludeExclude(t *testing.T) {
	p := Parse(FileName, []byte(`
files:
  include: ["stacks/*.yml", "**/app.yaml"]
  exclude: ["legacy/**", "**/compose.test.yaml"]
`))
	if len(p.Problems) != 0 {
		t.Fatal(problems(p))
	}
	for path, want := range map[string]bool{
		"compose.yaml":                true,
		"stacks/web.yml":              true,
		"stacks/sub/web.yml":          false, // * stays in one segment
		"app.yaml":                    true,
		"deep/er/app.yaml":            true,
		"legacy/compose.yaml":         false,
		"legacy/x/docker-compose.yml": false,
		"compose.test.yaml":           false,
		"x/compose.test.yaml":         false,
		"other.yml":                   false,
	} {
		if got := p.Selects(path); got != want {
			t.Errorf("Selects(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestNaming(t *testing.T) {
	p := Parse(FileName, []byte("files:\n  exclude: [\"stack.yml\"]\n"))
	named := p.Naming("stack.yml")
	if !named.Selects("stack.yml") || !named.Naming("other.yml").Selects("other.yml") {
		t.Error("a named file must be selected")
	}
	if p.Selects("stack.yml") {
		t.Error("Naming must not change the policy it copies")
	}
	a, b := named.Naming("a.yml"), named.Naming("b.yml")
	if a.Selects("b.yml") || b.Selects("a.yml") {
		t.Error("copies must not share their named files")
	}
}

func TestOptionNamesCoverOptions(t *testing.T) {
	// Every option must be settable: a field without a yaml tag would be
	// unreachable from the policy file.
	for _, name := range optionNames() {
		if name == "" || name == "-" {
			t.Errorf("checks.Options has a field without a yaml name: %v", optionNames())
		}
		p := Parse(FileName, []byte("options:\n  "+name+": ~\n"))
		for _, f := range p.Problems {
			if strings.Contains(f.Message, "unknown option") {
				t.Errorf("option %s is reported unknown", name)
			}
		}
	}
}

func TestParseHarden(t *testing.T) {
	p := Parse(FileName, []byte("harden:\n  memory: 1g\n  cpus: 0.5\n  pids: 100\n"))
	if len(p.Problems) != 0 || p.Harden != (Harden{Memory: "1g", CPUs: "0.5", Pids: 100}) {
		t.Errorf("harden = %+v, problems %v", p.Harden, problems(p))
	}
	if d := Default().Harden; d != (Harden{}) {
		t.Errorf("default harden = %+v, want nothing set", d)
	}
}

func TestParseBadge(t *testing.T) {
	if Default().Badge || Parse(FileName, []byte("fail_on: high\n")).Badge {
		t.Error("a repository has no badge unless it asks")
	}
	if p := Parse(FileName, []byte("badge: true\n")); !p.Badge || len(p.Problems) > 0 {
		t.Errorf("badge: true: %v %v", p.Badge, p.Problems)
	}
	for _, bad := range []string{"badge: yes please\n", "badge: [true]\n"} {
		if p := Parse(FileName, []byte(bad)); p.Badge || len(p.Problems) != 1 || p.Problems[0].Pos.Line != 1 {
			t.Errorf("%q: badge %v, problems %v", bad, p.Badge, p.Problems)
		}
	}
}
