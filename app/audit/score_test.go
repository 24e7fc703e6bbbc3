package audit

import (
	"testing"

	"github.com/composeguard/composeguard/checks"
)

// f builds a finding of a category and severity in a project, about the
// services named (none: about the file).
func f(project string, cat checks.Category, sev checks.Severity, services ...string) Finding {
	out := Finding{Finding: checks.Finding{Rule: "r", Category: cat, Severity: sev}, project: project}
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
	cases := []struct {
		name     string
		findings []Finding
		units    []unit
		want     Score
	}{
		{"nothing to audit", nil, nil, Score{10, 10, 10, 10}},
		{"clean service", nil, services(p, "web"), Score{10, 10, 10, 10}},
		{"project without services", nil, []unit{{project: p}}, Score{10, 10, 10, 10}},
		// critical = 5: System Security 10-5 = 5; overall (10+10+5)/3 = 8.33.
		{"one service privileged", []Finding{f(p, checks.HostIsolation, checks.Critical, "web")}, services(p, "web"), Score{10, 10, 5, 8.3}},
		// the mean over two services: (5+0)/2 = 2.5 lost.
		{"two services one privileged", []Finding{f(p, checks.HostIsolation, checks.Critical, "web")}, services(p, "web", "db"), Score{10, 10, 7.5, 9.2}},
		// network also lands in System Security; 5+3 = 8 lost.
		{"host isolation and network add up", []Finding{
			f(p, checks.HostIsolation, checks.Critical, "web"), f(p, checks.Network, checks.High, "web"),
		}, services(p, "web"), Score{10, 10, 2, 7.3}},
		// a service loses at most 10 in a group: 5+5+5 → 10.
		{"floor at zero", []Finding{
			f(p, checks.HostIsolation, checks.Critical, "web"), f(p, checks.HostIsolation, checks.Critical, "web"),
			f(p, checks.HostIsolation, checks.Critical, "web"),
		}, services(p, "web", "db"), Score{10, 10, 5, 8.3}},
		// hardening 1.5 + operability 0.5 = 2 lost; image 3 + secrets 5 = 8 lost.
		{"groups", []Finding{
			f(p, checks.Hardening, checks.Medium, "web"), f(p, checks.Operability, checks.Low, "web"),
			f(p, checks.Image, checks.High, "web"), f(p, checks.Secrets, checks.Critical, "web"),
		}, services(p, "web"), Score{8, 2, 10, 6.7}},
		{"info weighs nothing", []Finding{f(p, checks.Hardening, checks.Info, "web")}, services(p, "web"), Score{10, 10, 10, 10}},
		{"policy findings score nowhere", []Finding{f(p, checks.Policy, checks.High)}, services(p, "web"), Score{10, 10, 10, 10}},
		// a file finding (high = 3) takes 3 off each of the project's services.
		{"finding without a service weighs on every service", []Finding{f(p, checks.Network, checks.High)}, services(p, "web", "db"), Score{10, 10, 7, 9}},
		// ... of its own project only: (3+3+0)/3 = 2 lost.
		{"finding without a service stays in its project", []Finding{f(p, checks.Network, checks.High)},
			append(services(p, "web", "db"), services("other/compose.yaml", "web")...), Score{10, 10, 8, 9.3}},
		// an anchor finding names two services: 5 off each of them, (5+5+0)/3.
		{"anchor finding weighs on the services it names", []Finding{f(p, checks.HostIsolation, checks.Critical, "a", "b")},
			services(p, "a", "b", "c"), Score{10, 10, 6.7, 8.9}},
		{"same service name in another project is another service", []Finding{f(p, checks.HostIsolation, checks.Critical, "web")},
			append(services(p, "web"), services("b/compose.yaml", "web")...), Score{10, 10, 7.5, 9.2}},
		{"broken file scores zero", nil, []unit{{project: p, broken: true}}, Score{0, 0, 0, 0}},
		{"broken file with its finding still zero", []Finding{f(p, checks.Operability, checks.High)}, []unit{{project: p, broken: true}}, Score{0, 0, 0, 0}},
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
		f(p, checks.HostIsolation, checks.Critical, "a"), f(p, checks.Hardening, checks.Medium, "b"),
		f(p, checks.Image, checks.Low, "c"), f(p, checks.Network, checks.High),
	}
	units := services(p, "a", "b", "c", "d", "e", "f", "g")
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
