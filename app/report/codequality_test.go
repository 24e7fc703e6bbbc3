package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

// codeQuality writes a report and decodes it as GitLab reads it, refusing
// any field GitLab's format does not have.
func codeQuality(t *testing.T, r *audit.Report) []codeQualityIssue {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, "codequality", r, false, nil); err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, b.String())
	}
	for _, issue := range raw {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range issue {
				if !yield(k) {
					return
				}
			}
		})
		if want := []string{"check_name", "description", "fingerprint", "location", "severity"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("issue keys %v, want %v", keys, want)
		}
	}
	var issues []codeQualityIssue
	if err := json.Unmarshal(b.Bytes(), &issues); err != nil {
		t.Fatal(err)
	}
	return issues
}

func TestCodeQualityShape(t *testing.T) {
	r := sample()
	issues := codeQuality(t, r)
	if len(issues) != len(r.Findings) {
		t.Fatalf("%d issues for %d findings (waived findings must not be issues)", len(issues), len(r.Findings))
	}
	want := []codeQualityIssue{
		{Description: `unknown key "rulez"; it is ignored. Correct the key or value at the line shown; the README lists every setting.`,
			CheckName: "policy-invalid", Fingerprint: "00000000000000a1", Severity: "critical",
			Location: codeQualityLocation{Path: ".composeguard.yml", Lines: codeQualityLines{Begin: 3}}},
		{Description: "[api, worker] runs privileged: root on the host. Remove `privileged: true` and add only the capabilities or devices the service needs.",
			CheckName: "privileged-container", Fingerprint: "00000000000000b2", Severity: "blocker",
			Location: codeQualityLocation{Path: "compose.yaml", Lines: codeQualityLines{Begin: 2}}},
		{Description: "[web] network_mode: host | shares the host's network stack. Remove `network_mode: host`.",
			CheckName: "host-network-mode", Fingerprint: "00000000000000c3", Severity: "major",
			Location: codeQualityLocation{Path: "compose.yaml", Lines: codeQualityLines{Begin: 9}}},
	}
	if !reflect.DeepEqual(issues, want) {
		t.Errorf("issues\n%+v\nwant\n%+v", issues, want)
	}
	var b bytes.Buffer
	if err := CodeQuality(&b, &audit.Report{}); err != nil || strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("no findings: %q, %v; GitLab wants an empty array", b.String(), err)
	}
}

func TestCodeQualitySeverities(t *testing.T) {
	want := map[checks.Severity]string{checks.Critical: "blocker", checks.High: "critical", checks.Medium: "major", checks.Low: "minor", checks.Info: "info"}
	for sev, gitlab := range want {
		r := &audit.Report{Findings: []audit.Finding{{Finding: checks.Finding{Rule: "privileged-container", Severity: sev,
			Pos: compose.Position{File: "compose.yaml"}, Message: "m"}, Fingerprint: "f"}}}
		issues := codeQuality(t, r)
		if issues[0].Severity != gitlab {
			t.Errorf("%v: severity %q, want %q", sev, issues[0].Severity, gitlab)
		}
		// A finding about a whole file has no line; GitLab needs one.
		if issues[0].Location.Lines.Begin != 1 {
			t.Errorf("lines.begin %d, want 1", issues[0].Location.Lines.Begin)
		}
	}
}

// GitLab tells new findings from fixed ones by fingerprint, and shows one
// issue per fingerprint: it must survive moved lines and differ between two
// findings alike but for their place.
func TestCodeQualityFingerprints(t *testing.T) {
	fingerprints := func(content string) map[string]string {
		issues := codeQuality(t, auditAll(t, map[string]string{"compose.yaml": content}))
		byIssue := map[string]string{}
		for _, is := range issues {
			key := is.CheckName + " " + is.Description
			if _, dup := byIssue[key]; dup {
				key += " again"
			}
			byIssue[key] = is.Fingerprint
		}
		return byIssue
	}
	before := fingerprints(busyCompose)
	after := fingerprints("# moved down\n\n" + strings.Replace(busyCompose, "services:\n", "services:\n  # the front end\n", 1))
	if len(before) == 0 || !reflect.DeepEqual(before, after) {
		t.Errorf("fingerprints changed when lines moved:\n%v\n%v", before, after)
	}
	twice := codeQuality(t, auditAll(t, map[string]string{"compose.yaml": "services:\n  a:\n    image: x:1\n    ports: ['80:80', '81:81']\n"}))
	seen, ports := map[string]bool{}, 0
	for _, is := range twice {
		if is.CheckName == "port-bound-all-interfaces" {
			ports++
		}
		if seen[is.Fingerprint] {
			t.Errorf("fingerprint %s used twice: GitLab would show one issue", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
	}
	if ports != 2 {
		t.Errorf("%d port findings, want one per port: %+v", ports, twice)
	}
}
