package audit

import (
	"testing"

	"github.com/composeguard/composeguard/checks"
)

// f builds a finding of a rule, category and severity in a project, about
// the services named (none: about the file).
func f(project, rule string, cat checks.Category, sev checks.Severity, services ...string) Finding {
	out := Finding{Finding: checks.Finding{Rule: rule, Category: cat, Severity: sev}, project: project}
	if len(services) > 0 {
		out.Service = services[0]
		out.Services = services
	}
	return out
}

func services(project string, names ...string) []unit {
	var out []unit
	for _, n := range names {
		out = append(out, unit{project: project, service: n})
	}
	return out
}

func TestScoreHandComputed(t *testing.T) {
	const p = "compose.yaml"
	// What a service with none of the hardening keys fails in Container
	// Hardening: five medium checks and three low ones.
	bare := []Finding{
		f(p, "capabilities-not-dropped", checks.Hardening, checks.Medium, "web"),
		f(p, "no-new-privileges-missing", checks.Hardening, checks.Medium, "web"),
		f(p, "writable-root-filesystem", checks.Hardening, checks.Medium, "web"),
		f(p, "memory-limit-missing", checks.Operability, checks.Medium, "web"),
		f(p, "pids-limit-missing", checks.Operability, checks.Medium, "web"),
		f(p, "cpu-limit-missing", checks.Operability, checks.Low, "web"),
		f(p, "log-rotation-missing", checks.Operability, checks.Low, "web"),
		f(p, "healthcheck-missing", checks.Operability, checks.Low, "web"),
	}
	cases := []struct {
		name     string
		findings []Finding
		units    []unit
		want     Score
	}{
		{"nothing to audit", nil, nil, Score{10, 10, 10, 10}},
		{"clean service", nil, services(p, "web"), Score{10, 10, 10, 10}},
		{"project without services", nil, []unit{{project: p}}, Score{10, 10, 10, 10}},
		// medium = 1.5: 10 × (10−1.5)/10 = 8.5; overall (8.5+10+10)/3 = 9.5.
		{"one gap costs its weight", []Finding{f(p, "nnp", checks.Hardening, checks.Medium, "web")}, services(p, "web"), Score{8.5, 10, 10, 9.5}},
		// 10 × 0.85⁵ × 0.95³ = 3.80; overall (3.8+10+10)/3 = 7.93.
		{"gaps compound", bare, services(p, "web"), Score{3.8, 10, 10, 7.9}},
		// one check, at its heaviest finding (high = 3): 10 × 0.7 = 7;
		// overall (10+7+10)/3 = 9.
		{"a check failing twice counts once", []Finding{
			f(p, "hardcoded-secret", checks.Secrets, checks.Medium, "web"), f(p, "hardcoded-secret", checks.Secrets, checks.High, "web"),
		}, services(p, "web"), Score{10, 7, 10, 9}},
		// hardening 0.85 × operability 0.95 = 8.075; image 0.7 × secrets
		// critical 0 = 0; overall (8.1+0+10)/3 = 6.03.
		{"groups", []Finding{
			f(p, "a", checks.Hardening, checks.Medium, "web"), f(p, "b", checks.Operability, checks.Low, "web"),
			f(p, "c", checks.Image, checks.High, "web"), f(p, "d", checks.Secrets, checks.Critical, "web"),
		}, services(p, "web"), Score{8.1, 0, 10, 6}},
		// critical takes all of web's Image Security, none of db's:
		// (0+10)/2 = 5; overall (10+5+10)/3 = 8.33.
		{"critical takes its service's bucket", []Finding{f(p, "s", checks.Secrets, checks.Critical, "web")}, services(p, "web", "db"), Score{10, 5, 10, 8.3}},
		// in System Security it takes the project's: overall (10+10+0)/3.
		{"one privileged container is root on the host", []Finding{f(p, "privileged", checks.HostIsolation, checks.Critical, "web")},
			services(p, "web", "db"), Score{10, 10, 0, 6.7}},
		// web 8.5, three others 10. Container Hardening is the mean,
		// 38.5/4 = 9.625; System Security the mean of the mean and the
		// weakest, (9.625+8.5)/2 = 9.06; overall (9.6+10+9.1)/3 = 9.57.
		{"the weakest service weighs on System Security", []Finding{
			f(p, "h", checks.Hardening, checks.Medium, "web"), f(p, "n", checks.Network, checks.Medium, "web"),
		}, services(p, "web", "db", "cache", "queue"), Score{9.6, 10, 9.1, 9.6}},
		{"info weighs nothing", []Finding{f(p, "r", checks.Hardening, checks.Info, "web")}, services(p, "web"), Score{10, 10, 10, 10}},
		{"policy findings score nowhere", []Finding{f(p, "r", checks.Policy, checks.High)}, services(p, "web"), Score{10, 10, 10, 10}},
		// a file finding (high = 3) leaves 7 on each of the project's
		// services: mean 7, weakest 7.
		{"finding without a service weighs on every service", []Finding{f(p, "r", checks.Network, checks.High)}, services(p, "web", "db"), Score{10, 10, 7, 9}},
		// ... of its own project only: (7+7+10)/3 = 8.
		{"finding without a service stays in its project", []Finding{f(p, "r", checks.Network, checks.High)},
			append(services(p, "web", "db"), services("other/compose.yaml", "web")...), Score{10, 10, 8, 9.3}},
		// an anchor finding names two services: 7, 7, 10; mean 8, weakest
		// 7: (8+7)/2 = 7.5; overall (10+10+7.5)/3 = 9.17.
		{"anchor finding weighs on the services it names", []Finding{f(p, "r", checks.HostIsolation, checks.High, "a", "b")},
			services(p, "a", "b", "c"), Score{10, 10, 7.5, 9.2}},
		// the privileged project scores 0, the other 10: (0+10)/2.
		{"same service name in another project is another service", []Finding{f(p, "r", checks.HostIsolation, checks.Critical, "web")},
			append(services(p, "web"), services("b/compose.yaml", "web")...), Score{10, 10, 5, 8.3}},
		{"broken file scores zero", nil, []unit{{project: p, broken: true}}, Score{0, 0, 0, 0}},
		{"broken file with its finding still zero", []Finding{f(p, "compose-invalid", checks.Operability, checks.High)}, []unit{{project: p, broken: true}}, Score{0, 0, 0, 0}},
		{"broken file beside a clean one", nil, append([]unit{{project: "a/compose.yaml", broken: true}}, services(p, "web")...), Score{5, 5, 5, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := score(tc.findings, tc.units); got != tc.want {
				t.Errorf("score = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestScoreDeterministic(t *testing.T) {
	const p = "compose.yaml"
	findings := []Finding{
		f(p, "a", checks.HostIsolation, checks.High, "a"), f(p, "b", checks.Hardening, checks.Medium, "b"),
		f(p, "c", checks.Image, checks.Low, "c"), f(p, "d", checks.Network, checks.High), f(p, "e", checks.Hardening, checks.Low, "b"),
		f(p, "f", checks.Operability, checks.Medium, "b"), f(p, "g", checks.Network, checks.Medium, "e"),
		f("b/compose.yaml", "b", checks.Hardening, checks.Medium, "h"),
	}
	units := append(services(p, "a", "b", "c", "d", "e", "f", "g"), services("b/compose.yaml", "a", "h")...)
	first := score(findings, units)
	for i := 0; i < 50; i++ {
		// reversed order must not matter either
		rf := append([]Finding(nil), findings...)
		ru := append([]unit(nil), units...)
		for l, r := 0, len(rf)-1; l < r; l, r = l+1, r-1 {
			rf[l], rf[r] = rf[r], rf[l]
		}
		for l, r := 0, len(ru)-1; l < r; l, r = l+1, r-1 {
			ru[l], ru[r] = ru[r], ru[l]
		}
		if got := score(rf, ru); got != first {
			t.Fatalf("score changed: %+v then %+v", first, got)
		}
	}
}

func TestGroupOf(t *testing.T) {
	want := map[checks.Category]Group{
		checks.Hardening: ContainerHardening, checks.Operability: ContainerHardening,
		checks.Image: ImageSecurity, checks.Secrets: ImageSecurity,
		checks.HostIsolation: SystemSecurity, checks.Network: SystemSecurity,
	}
	for c, g := range want {
		if got, ok := GroupOf(c); !ok || got != g {
			t.Errorf("GroupOf(%s) = %q, %v; want %q", c, got, ok, g)
		}
	}
	if _, ok := GroupOf(checks.Policy); ok {
		t.Error("policy findings must not score")
	}
	// Every rule's category scores somewhere, except the policy rules.
	for _, r := range checks.All() {
		if _, ok := GroupOf(r.Category); !ok && r.Category != checks.Policy {
			t.Errorf("rule %s has category %q that no score group takes", r.ID, r.Category)
		}
	}
}

func TestScoreOf(t *testing.T) {
	s := Score{ContainerHardening: 1, ImageSecurity: 2, SystemSecurity: 3, Overall: 2}
	for g, want := range map[Group]float64{ContainerHardening: 1, ImageSecurity: 2, SystemSecurity: 3} {
		if got := s.Of(g); got != want {
			t.Errorf("Of(%s) = %v, want %v", g, got, want)
		}
	}
}
