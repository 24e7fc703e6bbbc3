package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

func TestParseBump(t *testing.T) {
	p := Parse(FileName, []byte(`
bump:
  rules:
    - images: ["*"]
      pin_digests: true
      ignore_versions: ["*-rc*"]
    - images: [postgres, "ghcr.io/org/*"]
      update_types: [patch, minor]
      ignore_versions: ["17.*"]
      allow_suffix_advance: true
      group: databases
    - images: [mysql]
      ignore: true
`))
	if len(p.Problems) != 0 {
		t.Fatalf("problems: %v (%+v)", problems(p), p.Problems)
	}
	if !p.Bump.OptedIn || len(p.Bump.Rules) != 3 {
		t.Fatalf("bump = %+v", p.Bump)
	}
	image := func(ref string) compose.ImageRef {
		r, err := compose.ParseImage(ref)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	pg := p.Bump.For(image("postgres:16.2-alpine3.19"))
	if !pg.PinDigests || !pg.Select.AllowSuffixAdvance || pg.Group != "databases" || pg.Ignore ||
		!slices.Equal(pg.Select.AllowedTypes, []bump.UpdateType{bump.UpdatePatch, bump.UpdateMinor}) ||
		!slices.Equal(pg.Select.IgnoreTags, []string{"*-rc*", "17.*"}) {
		t.Errorf("postgres settings = %+v: later rules add to earlier ones", pg)
	}
	if app := p.Bump.For(image("ghcr.io/org/app:1.0")); app.Group != "databases" {
		t.Errorf("ghcr.io/org/app settings = %+v, want the glob to match", app)
	}
	if full := p.Bump.For(image("docker.io/library/postgres:16")); full.Group != "databases" {
		t.Errorf("docker.io/library/postgres settings = %+v, want the familiar name to match", full)
	}
	if my := p.Bump.For(image("mysql:8.4")); !my.Ignore || !my.PinDigests || my.Group != "" {
		t.Errorf("mysql settings = %+v", my)
	}
	if other := Default().Bump; other.OptedIn || len(other.Rules) != 0 {
		t.Errorf("a policy without bump: opts in: %+v", other)
	}
	if alone := Parse(FileName, []byte("bump:\n")); !alone.Bump.OptedIn || len(alone.Problems) != 0 {
		t.Errorf("bump: alone must opt in with the defaults: %+v %v", alone.Bump, problems(alone))
	}
}

func TestParseBumpScheduleAndLimits(t *testing.T) {
	p := Parse(FileName, []byte("bump:\n  schedule: \"0 6 * * 1\"\n  pr_hourly_limit: 0\n  pr_concurrent_limit: 3\n"))
	if len(p.Problems) != 0 {
		t.Fatalf("problems: %v", problems(p))
	}
	if p.Bump.Schedule.String() != "0 6 * * 1" {
		t.Errorf("schedule = %q", p.Bump.Schedule)
	}
	if hourly, concurrent := p.Bump.Limits(); hourly != 0 || concurrent != 3 {
		t.Errorf("limits = %d per hour, %d open; want 0 (no limit) and 3", hourly, concurrent)
	}
	if hourly, concurrent := Parse(FileName, []byte("bump:\n")).Bump.Limits(); hourly != bump.DefaultPRHourlyLimit || concurrent != bump.DefaultPRConcurrentLimit {
		t.Errorf("default limits = %d, %d; want Renovate's 2 and 10", hourly, concurrent)
	}
	if !Parse(FileName, []byte("bump:\n")).Bump.Schedule.IsZero() {
		t.Error("no schedule must mean every run")
	}
}

func TestParseBumpProblems(t *testing.T) {
	cases := []struct {
		name, content string
		want          []string // rule@line
		rules         int      // rules kept
	}{
		{"not a mapping", "bump: yes\n", []string{"policy-invalid@1"}, 0},
		{"unknown key", "bump:\n  schedules: weekly\n", []string{"policy-invalid@2"}, 0},
		{"rules not a list", "bump:\n  rules:\n    images: [x]\n", []string{"policy-invalid@3"}, 0},
		{"rule not a mapping", "bump:\n  rules:\n    - postgres\n", []string{"policy-invalid@3"}, 0},
		{"rule without images", "bump:\n  rules:\n    - pin_digests: true\n", []string{"policy-invalid@3"}, 0},
		{"unknown rule key keeps the rule", "bump:\n  rules:\n    - images: [x]\n      pin_digest: true\n", []string{"policy-invalid@4"}, 1},
		{"bad update type", "bump:\n  rules:\n    - images: [x]\n      update_types:\n        - minor\n        - majors\n", []string{"policy-invalid@6"}, 1},
		{"bad glob", "bump:\n  rules:\n    - images: [\"[x\"]\n", []string{"policy-invalid@3", "policy-invalid@3"}, 0},
		{"bad ignored version", "bump:\n  rules:\n    - images: [x]\n      ignore_versions: [\"[1\"]\n", []string{"policy-invalid@4"}, 1},
		{"flag not a boolean", "bump:\n  rules:\n    - images: [x]\n      pin_digests: often\n", []string{"policy-invalid@4"}, 1},
		{"empty group", "bump:\n  rules:\n    - images: [x]\n      group: \"\"\n", []string{"policy-invalid@4"}, 1},
		{"bad schedule", "bump:\n  schedule: \"0 6 * *\"\n", []string{"policy-invalid@2"}, 0},
		{"schedule never fires", "bump:\n  schedule: \"0 0 30 2 *\"\n", []string{"policy-invalid@2"}, 0},
		{"schedule not a string", "bump:\n  schedule: [weekly]\n", []string{"policy-invalid@2"}, 0},
		{"negative limit", "bump:\n  pr_hourly_limit: -1\n", []string{"policy-invalid@2"}, 0},
		{"limit not a number", "bump:\n  pr_concurrent_limit: many\n", []string{"policy-invalid@2"}, 0},
		{"fractional limit", "bump:\n  pr_concurrent_limit: 2.5\n", []string{"policy-invalid@2"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Parse(FileName, []byte(tc.content))
			if got := problems(p); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("problems = %v, want %v (%+v)", got, tc.want, p.Problems)
			}
			if len(p.Bump.Rules) != tc.rules {
				t.Errorf("rules kept = %+v, want %d", p.Bump.Rules, tc.rules)
			}
			for _, f := range p.Problems {
				if f.Rule != checks.PolicyInvalid || f.Fix == "" {
					t.Errorf("problem %+v: want policy-invalid with a fix", f)
				}
			}
		})
	}
}
