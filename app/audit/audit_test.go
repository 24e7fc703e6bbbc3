package audit

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
)

// now is the audits' clock: exceptions expire relative to it.
var now = time.Date(2030, 3, 10, 15, 4, 5, 0, time.UTC)

// onlyRules is the default policy with every rule off except those named and
// the policy rules, so other rules cannot change what a test expects.
func onlyRules(keep ...string) *policy.Policy {
	p := policy.Default()
	on := map[string]bool{}
	for _, id := range keep {
		on[id] = true
	}
	for _, r := range checks.All() {
		if !on[r.ID] && r.Category != checks.Policy {
			p.Severity[r.ID] = policy.Off
		}
	}
	return p
}

// withPolicy parses a policy file, then turns off the rules onlyRules would.
func withPolicy(t *testing.T, content string, keep ...string) *policy.Policy {
	t.Helper()
	p := policy.Parse(policy.FileName, []byte(content))
	for id, sev := range onlyRules(keep...).Severity {
		if _, set := p.Severity[id]; !set {
			p.Severity[id] = sev
		}
	}
	return p
}

func audit(t *testing.T, files map[string]string, pol *policy.Policy) *Report {
	t.Helper()
	snap := compose.MapSnapshot{}
	for p, c := range files {
		snap[p] = []byte(c)
	}
	return Run(context.Background(), snap, pol, now)
}

// rules summarizes findings as "rule service@file:line", in report order.
func rules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+" "+f.Service+"@"+f.Pos.File+":"+strconv.Itoa(f.Pos.Line))
	}
	return out
}

func expect(t *testing.T, what string, got []Finding, want ...string) {
	t.Helper()
	if strings.Join(rules(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("%s =\n  %s\nwant\n  %s", what, strings.Join(rules(got), "\n  "), strings.Join(want, "\n  "))
	}
}

const privilegedWeb = `services:
  web:
    image: nginx:1.27
    privileged: true
`

const privilegedWebAndDB = `services:
  web:
    image: nginx:1.27
    privileged: true
  db:
    image: postgres:16
`

func TestAuditScore(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		pol   *policy.Policy
		want  Score
	}{
		{"one service privileged", map[string]string{"compose.yaml": privilegedWeb}, onlyRules("privileged-container"), Score{10, 10, 0, 6.7}},
		// the host is shared: db's 10 does not help.
		{"two services one privileged", map[string]string{"compose.yaml": privilegedWebAndDB}, onlyRules("privileged-container"), Score{10, 10, 0, 6.7}},
		{"waived finding does not count", map[string]string{"compose.yaml": privilegedWeb},
			withPolicy(t, "exceptions:\n  - rule: privileged-container\n    service: web\n    reason: kvm\n    expires: 2031-01-01\n", "privileged-container"),
			Score{10, 10, 10, 10}},
		{"severity from the policy sets the weight", map[string]string{"compose.yaml": privilegedWeb},
			withPolicy(t, "rules:\n  privileged-container: low\n", "privileged-container"), Score{10, 10, 9.5, 9.8}},
		{"rule turned off", map[string]string{"compose.yaml": privilegedWeb},
			withPolicy(t, "rules:\n  privileged-container: off\n"), Score{10, 10, 10, 10}},
		{"broken file scores zero in every group", map[string]string{"compose.yaml": "services:\n  web: [\n"},
			onlyRules("compose-invalid"), Score{0, 0, 0, 0}},
		{"broken file even with every rule off", map[string]string{"compose.yaml": "services: [}\n"},
			onlyRules(), Score{0, 0, 0, 0}},
		{"broken file beside a clean one", map[string]string{"a/compose.yaml": "services:\n  web:\n    image: nginx:1.27\n", "b/compose.yaml": "services: 3\n"},
			onlyRules("compose-invalid"), Score{5, 5, 5, 5}},
		// path-outside-repository (high, host isolation) is about the
		// file: 3 off both services.
		{"finding without a service weighs on every service", map[string]string{
			"compose.yaml": "include:\n  - /etc/compose.yaml\nservices:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:16\n"},
			onlyRules("path-outside-repository"), Score{10, 10, 7, 9}},
		// a's privileged container zeroes a's System Security; b's three
		// services keep 10: (0+3×10)/4 = 7.5.
		{"projects are averaged over all their services", map[string]string{
			"a/compose.yaml": privilegedWeb, "b/compose.yaml": "services:\n  x:\n    image: nginx:1.27\n  y:\n    image: nginx:1.27\n  z:\n    image: nginx:1.27\n"},
			onlyRules("privileged-container"), Score{10, 10, 7.5, 9.2}},
		{"no compose file", map[string]string{"README.md": "hi"}, onlyRules("privileged-container"), Score{10, 10, 10, 10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := audit(t, tc.files, tc.pol)
			if r.Score != tc.want {
				t.Errorf("score = %+v, want %+v; findings %v", r.Score, tc.want, rules(r.Findings))
			}
		})
	}
}

func TestAuditFindings(t *testing.T) {
	r := audit(t, map[string]string{
		"compose.yaml":           privilegedWebAndDB,
		"compose.override.yaml":  "services:\n  db:\n    privileged: true\n",
		"ops/docker-compose.yml": privilegedWeb,
		"ops/stack.yml":          privilegedWeb, // not a compose file name
		"README.md":              "privileged: true",
	}, onlyRules("privileged-container"))
	if r.FilesAudited != 3 {
		t.Errorf("FilesAudited = %d, want 3", r.FilesAudited)
	}
	expect(t, "findings", r.Findings,
		"privileged-container db@compose.override.yaml:3",
		"privileged-container web@compose.yaml:4",
		"privileged-container web@ops/docker-compose.yml:4")
	for _, f := range r.Findings {
		if f.Severity != checks.Critical || f.Category != checks.HostIsolation || f.Fix == "" || len(f.Fingerprint) != 16 {
			t.Errorf("finding %+v", f)
		}
	}
	// The override is audited once, with its main file, not on its own too.
	if got := r.Failing(checks.Critical); len(got) != 3 {
		t.Errorf("Failing(critical) = %v", rules(got))
	}
}

func TestAuditIncludePattern(t *testing.T) {
	pol := withPolicy(t, "files:\n  include: [\"ops/*.yml\"]\n  exclude: [\"compose.yaml\"]\n", "privileged-container")
	r := audit(t, map[string]string{"compose.yaml": privilegedWeb, "ops/stack.yml": privilegedWeb}, pol)
	expect(t, "findings", r.Findings, "privileged-container web@ops/stack.yml:4")
	if r.FilesAudited != 1 {
		t.Errorf("FilesAudited = %d", r.FilesAudited)
	}
}

func TestAuditPolicyProblems(t *testing.T) {
	pol := withPolicy(t, "fail_on: loud\nexceptions:\n  - rule: privileged-container\n    service: web\n", "privileged-container")
	r := audit(t, map[string]string{"compose.yaml": privilegedWeb}, pol)
	expect(t, "findings", r.Findings,
		"policy-invalid @.composeguard.yml:1",
		"exception-invalid @.composeguard.yml:3",
		"privileged-container web@compose.yaml:4")
	// Policy findings score nowhere.
	if r.Score != (Score{10, 10, 0, 6.7}) {
		t.Errorf("score = %+v", r.Score)
	}
}

func TestAuditFailing(t *testing.T) {
	r := audit(t, map[string]string{"compose.yaml": privilegedWeb},
		withPolicy(t, "rules:\n  privileged-container: medium\n", "privileged-container"))
	for sev, n := range map[checks.Severity]int{checks.Critical: 0, checks.High: 0, checks.Medium: 1, checks.Info: 1, policy.FailNever: 0} {
		if got := len(r.Failing(sev)); got != n {
			t.Errorf("Failing(%v) = %d findings, want %d", sev, got, n)
		}
	}
}

func exceptionPolicy(expires string) string {
	return "exceptions:\n  - rule: privileged-container\n    service: web\n    reason: needs kvm\n    expires: " + expires + "\n"
}

func TestAuditExceptionDates(t *testing.T) {
	// now is 2030-03-10.
	cases := []struct {
		expires  string
		findings []string
		waived   bool
		message  string
	}{
		{"2031-01-01", nil, true, ""},
		{"2030-03-25", nil, true, ""}, // 15 days ahead: no warning yet
		{"2030-03-24", []string{"exception-expiring @.composeguard.yml:2"}, true, "expires on 2030-03-24"},
		{"2030-03-10", []string{"exception-expiring @.composeguard.yml:2"}, true, "expires on 2030-03-10"},
		{"2030-03-09", []string{"exception-expired @.composeguard.yml:2", "privileged-container web@compose.yaml:4"}, false, "expired on 2030-03-09"},
		{"2020-01-01", []string{"exception-expired @.composeguard.yml:2", "privileged-container web@compose.yaml:4"}, false, "expired on 2020-01-01"},
	}
	for _, tc := range cases {
		t.Run(tc.expires, func(t *testing.T) {
			r := audit(t, map[string]string{"compose.yaml": privilegedWeb}, withPolicy(t, exceptionPolicy(tc.expires), "privileged-container"))
			expect(t, "findings", r.Findings, tc.findings...)
			if tc.waived {
				expect(t, "waived", r.Waived, "privileged-container web@compose.yaml:4")
				if r.Waived[0].Exception == nil || r.Waived[0].Exception.Reason != "needs kvm" {
					t.Errorf("waived finding must carry its exception: %+v", r.Waived[0])
				}
			} else if len(r.Waived) != 0 {
				t.Errorf("an expired exception waives nothing: %v", rules(r.Waived))
			}
			for _, f := range r.Findings {
				switch f.Rule {
				case checks.ExceptionExpired:
					if f.Severity != checks.High || !strings.Contains(f.Message, tc.message) {
						t.Errorf("expired finding %+v", f)
					}
				case checks.ExceptionExpiring:
					if f.Severity != checks.Info || !strings.Contains(f.Message, tc.message) {
						t.Errorf("expiring finding %+v", f)
					}
				}
			}
		})
	}
}

func TestAuditExceptionFindingsFollowRuleSeverity(t *testing.T) {
	pol := withPolicy(t, exceptionPolicy("2030-03-12")+"rules:\n  exception-expiring: off\n", "privileged-container")
	r := audit(t, map[string]string{"compose.yaml": privilegedWeb}, pol)
	expect(t, "findings", r.Findings)
	pol = withPolicy(t, exceptionPolicy("2030-03-01")+"rules:\n  exception-expired: critical\n", "privileged-container")
	r = audit(t, map[string]string{"compose.yaml": privilegedWeb}, pol)
	if len(r.Findings) != 2 || r.Findings[0].Rule != checks.ExceptionExpired || r.Findings[0].Severity != checks.Critical {
		t.Errorf("findings = %+v", r.Findings)
	}
}

func TestAuditExceptionScope(t *testing.T) {
	files := map[string]string{"a/compose.yaml": privilegedWebAndDB, "b/compose.yaml": privilegedWeb}
	cases := []struct {
		name, exception string
		findings        []string
	}{
		{"service glob", "service: w*", nil},
		{"other service", "service: db", []string{"privileged-container web@a/compose.yaml:4", "privileged-container web@b/compose.yaml:4"}},
		{"one file", "service: web\n    file: a/compose.yaml", []string{"privileged-container web@b/compose.yaml:4"}},
		{"file glob", "service: web\n    file: \"b/*\"", []string{"privileged-container web@a/compose.yaml:4"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol := withPolicy(t, "exceptions:\n  - rule: privileged-container\n    "+tc.exception+"\n    reason: r\n    expires: 2031-01-01\n", "privileged-container")
			r := audit(t, files, pol)
			expect(t, "findings", r.Findings, tc.findings...)
		})
	}
}

func TestAuditInlineExceptions(t *testing.T) {
	const file = `services:
  a:
    image: nginx:1.27
    privileged: true # composeguard:ignore privileged-container expires=2031-01-01 reason="on the line"
  b: # composeguard:ignore privileged-container expires=2031-01-01 reason="on the service"
    image: nginx:1.27
    privileged: true
  c:
    image: nginx:1.27
    # composeguard:ignore privileged-container expires=2031-01-01 reason="the line above"
    privileged: true
  # composeguard:ignore privileged-container expires=2031-01-01 reason="above the service"
  d:
    image: nginx:1.27
    privileged: true
  e:
    image: nginx:1.27 # composeguard:ignore privileged-container expires=2031-01-01 reason="wrong line"
    privileged: true
  f:
    image: nginx:1.27
    privileged: true # composeguard:ignore host-network-mode expires=2031-01-01 reason="other rule"
  g:
    image: nginx:1.27
    privileged: true # composeguard:ignore privileged-container reason="no date"
  h:
    image: nginx:1.27
    privileged: true # composeguard:ignore privileged-container expires=2030-03-01 reason="expired"
  i:
    # composeguard:ignore privileged-container expires=2031-01-01 reason="first in the service"
    image: nginx:1.27
    privileged: true
`
	r := audit(t, map[string]string{"compose.yaml": file}, onlyRules("privileged-container"))
	expect(t, "waived", r.Waived,
		"privileged-container a@compose.yaml:4",
		"privileged-container b@compose.yaml:7",
		"privileged-container c@compose.yaml:11",
		"privileged-container d@compose.yaml:15",
		"privileged-container i@compose.yaml:31")
	expect(t, "findings", r.Findings,
		"privileged-container e@compose.yaml:18",
		"privileged-container f@compose.yaml:21",
		"privileged-container g@compose.yaml:24",
		"exception-invalid @compose.yaml:24",
		"privileged-container h@compose.yaml:27",
		"exception-expired @compose.yaml:27")
}

func TestAuditLeavesPolicyUnchanged(t *testing.T) {
	pol := onlyRules("privileged-container")
	files := map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    privileged: true # composeguard:ignore privileged-container\n"}
	first := audit(t, files, pol)
	second := audit(t, files, pol)
	if len(pol.Problems) != 0 {
		t.Errorf("Audit added to the policy's problems: %+v", pol.Problems)
	}
	expect(t, "second audit", second.Findings, rules(first.Findings)...)
	expect(t, "first audit", first.Findings, "privileged-container web@compose.yaml:4", "exception-invalid @compose.yaml:4")
}

func fingerprintOf(t *testing.T, content, service string) string {
	t.Helper()
	r := audit(t, map[string]string{"compose.yaml": content}, onlyRules("privileged-container", "host-network-mode"))
	for _, f := range r.Findings {
		if f.Rule == "privileged-container" && f.Service == service {
			return f.Fingerprint
		}
	}
	t.Fatalf("no privileged-container finding for %s in %v", service, rules(r.Findings))
	return ""
}

func TestFingerprintStableWhenLinesMove(t *testing.T) {
	base := fingerprintOf(t, privilegedWebAndDB, "web")
	moved := []string{
		"\n\n\n" + privilegedWebAndDB,
		"# a comment\n# another\n" + privilegedWebAndDB,
		strings.Replace(privilegedWebAndDB, "services:\n", "services:\n  # leading comment\n\n  cache:\n    image: redis:7\n", 1),
		strings.Replace(privilegedWebAndDB, "    image: nginx:1.27\n", "    image: nginx:1.27\n    # why it is privileged\n\n", 1),
		// db moved above web
		"services:\n  db:\n    image: postgres:16\n  web:\n    image: nginx:1.27\n    privileged: true\n",
	}
	for i, content := range moved {
		if got := fingerprintOf(t, content, "web"); got != base {
			t.Errorf("variant %d: fingerprint %s, want %s", i, got, base)
		}
	}
}

func TestFingerprintChanges(t *testing.T) {
	base := fingerprintOf(t, privilegedWebAndDB, "web")
	renamed := strings.Replace(privilegedWebAndDB, "  web:", "  frontend:", 1)
	if fingerprintOf(t, renamed, "frontend") == base {
		t.Error("fingerprint must change with the service")
	}
	other := checks.Finding{Rule: "privileged-container", Service: "web", Services: []string{"web"}, KeyPath: "privileged",
		Pos: compose.Position{File: "compose.yaml", Line: 4, Column: 17}, Message: "runs privileged: root on the host"}
	if Fingerprint(other) != base {
		t.Fatalf("Fingerprint(%+v) = %s, audit gave %s: the test's copy of the finding is out of date", other, Fingerprint(other), base)
	}
	changes := map[string]func(f *checks.Finding){
		"rule":    func(f *checks.Finding) { f.Rule = "host-network-mode" },
		"service": func(f *checks.Finding) { f.Service, f.Services = "db", []string{"db"} },
		"file":    func(f *checks.Finding) { f.Pos.File = "other/compose.yaml" },
		"key":     func(f *checks.Finding) { f.KeyPath = "network_mode" },
		"message": func(f *checks.Finding) { f.Message += "!" },
	}
	for name, change := range changes {
		g := other
		g.Services = append([]string(nil), other.Services...)
		change(&g)
		if Fingerprint(g) == base {
			t.Errorf("fingerprint must change with the %s", name)
		}
	}
	// Not with the position, the severity or the fix.
	g := other
	g.Pos.Line, g.Pos.Column, g.Severity, g.Fix = 99, 3, checks.Low, "x"
	if Fingerprint(g) != base {
		t.Error("fingerprint must not depend on line, column, severity or fix")
	}
	// Services are a set.
	a := checks.Finding{Rule: "r", Services: []string{"a", "b"}}
	b := checks.Finding{Rule: "r", Services: []string{"b", "a"}}
	if Fingerprint(a) != Fingerprint(b) {
		t.Error("fingerprint must not depend on the order of services")
	}
}

func TestMapPathsAndCombine(t *testing.T) {
	pol := withPolicy(t, "fail_on: loud\n", "privileged-container")
	a := audit(t, map[string]string{"compose.yaml": privilegedWeb}, pol)
	b := audit(t, map[string]string{"compose.yaml": "services:\n  x:\n    image: nginx:1.27\n  y:\n    image: nginx:1.27\n  z:\n    image: nginx:1.27\n"}, pol)
	a.MapPaths(func(p string) string {
		if p == policy.FileName {
			return p // as the CLI does for a shared --policy file
		}
		return "one/" + p
	})
	b.MapPaths(func(p string) string {
		if p == policy.FileName {
			return p
		}
		return "two/" + p
	})
	c := Combine(a, b)
	if c.FilesAudited != 2 {
		t.Errorf("FilesAudited = %d", c.FilesAudited)
	}
	// The shared policy's problem is reported once.
	expect(t, "combined", c.Findings, "policy-invalid @.composeguard.yml:1", "privileged-container web@one/compose.yaml:4")
	// 4 services; one/'s privileged container zeroes its project's System
	// Security, two/'s three services keep 10: (0+3×10)/4 = 7.5.
	if c.Score != (Score{10, 10, 7.5, 9.2}) {
		t.Errorf("score = %+v", c.Score)
	}
	// Two folders with the same file stay two findings.
	d := audit(t, map[string]string{"compose.yaml": privilegedWeb}, onlyRules("privileged-container"))
	e := audit(t, map[string]string{"compose.yaml": privilegedWeb}, onlyRules("privileged-container"))
	d.MapPaths(func(p string) string { return "d/" + p })
	e.MapPaths(func(p string) string { return "e/" + p })
	expect(t, "two folders", Combine(d, e).Findings, "privileged-container web@d/compose.yaml:4", "privileged-container web@e/compose.yaml:4")
	if got := Combine().Score; got != (Score{10, 10, 10, 10}) {
		t.Errorf("empty combine score = %+v", got)
	}
}

func TestDedupeKeepsFindingsAtDistinctPlaces(t *testing.T) {
	at := func(line int) Finding {
		f := checks.Finding{Rule: "privileged-container", Service: "web", Message: "runs privileged",
			Pos: compose.Position{File: "compose.yaml", Line: line, Column: 5}}
		return Finding{Finding: f, Fingerprint: Fingerprint(f)}
	}
	got := dedupe([]Finding{at(9), at(4), at(4)})
	if len(got) != 2 {
		t.Fatalf("kept %d findings, want the two places once each", len(got))
	}
	if got[0].Pos.Line != 4 || got[1].Pos.Line != 9 || got[0].Fingerprint == got[1].Fingerprint ||
		got[1].Fingerprint != got[0].Fingerprint+"-2" {
		t.Errorf("fingerprints %q (line %d), %q (line %d): want the second place suffixed -2",
			got[0].Fingerprint, got[0].Pos.Line, got[1].Fingerprint, got[1].Pos.Line)
	}
}

// TestImages: each service's image as Compose reads it, variables from the
// .env replaced; an image a variable nobody sets decides is left out.
func TestImages(t *testing.T) {
	snap := compose.MapSnapshot{
		".env": []byte("PG_TAG=16.2\n"),
		"compose.yaml": []byte(`services:
  db:
    image: postgres:${PG_TAG}
  app:
    image: ghcr.io/acme/app:${APP_TAG}
  web:
    image: nginx
  built:
    build: .
`),
		"compose.override.yaml": []byte("services:\n  web:\n    image: nginx:1.27\n"),
	}
	r := Run(context.Background(), snap, policy.Default(), now)
	var got []string
	for _, img := range r.Images {
		got = append(got, img.Project+" "+img.Service+" "+img.Image+" "+img.Pos.File+":"+strconv.Itoa(img.Pos.Line))
	}
	want := []string{"compose.yaml db postgres:16.2 compose.yaml:3", "compose.yaml web nginx:1.27 compose.override.yaml:3"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("images:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
