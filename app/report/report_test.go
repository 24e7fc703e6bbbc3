package report

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/app/golden"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
)

// sample is a report built by hand, so no rule's wording changes it: a
// critical finding shared by two services through an anchor, a finding
// about the policy file (no service), a medium one whose message needs
// escaping in Markdown, and a waived finding.
func sample() *audit.Report {
	until := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	return &audit.Report{
		FilesAudited: 2,
		Score:        audit.Score{ContainerHardening: 9.5, ImageSecurity: 10, SystemSecurity: 5, Overall: 8.2},
		Findings: []audit.Finding{
			{Finding: checks.Finding{Rule: "policy-invalid", Severity: checks.High, Category: checks.Policy,
				Pos: compose.Position{File: ".composeguard.yml", Line: 3, Column: 1}, Message: `unknown key "rulez"; it is ignored`,
				Fix: "Correct the key or value at the line shown; the README lists every setting."}, Fingerprint: "00000000000000a1"},
			{Finding: checks.Finding{Rule: "privileged-container", Severity: checks.Critical, Category: checks.HostIsolation,
				Pos: compose.Position{File: "compose.yaml", Line: 2, Column: 15}, Service: "api", Services: []string{"api", "worker"},
				KeyPath: "privileged", Message: "runs privileged: root on the host",
				Fix: "Remove `privileged: true` and add only the capabilities or devices the service needs."}, Fingerprint: "00000000000000b2"},
			{Finding: checks.Finding{Rule: "host-network-mode", Severity: checks.Medium, Category: checks.HostIsolation,
				Pos: compose.Position{File: "compose.yaml", Line: 9, Column: 19}, Service: "web", Services: []string{"web"},
				KeyPath: "network_mode", Message: "network_mode: host | shares the host's network\nstack",
				Fix: "Remove `network_mode: host`."}, Fingerprint: "00000000000000c3"},
		},
		Waived: []audit.Finding{
			{Finding: checks.Finding{Rule: "privileged-container", Severity: checks.Critical, Category: checks.HostIsolation,
				Pos: compose.Position{File: "ops/compose.yaml", Line: 4, Column: 17}, Service: "kvm", Services: []string{"kvm"},
				KeyPath: "privileged", Message: "runs privileged: root on the host", Fix: "Remove it."},
				Fingerprint: "00000000000000d4",
				Exception:   &policy.Exception{Rule: "privileged-container", Service: "kvm", Reason: "needs /dev/kvm | for now", Expires: until}},
		},
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "xml", sample(), false, nil); err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("err = %v", err)
	}
	for _, f := range Formats {
		b.Reset()
		if err := Write(&b, f, sample(), false, nil); err != nil || b.Len() == 0 {
			t.Errorf("%s: err %v, %d bytes", f, err, b.Len())
		}
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"files_audited", "score", "findings", "waived"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q in %s", k, b.String())
		}
	}
	if doc["files_audited"] != float64(2) {
		t.Errorf("files_audited = %v", doc["files_audited"])
	}
	wantScore := map[string]any{"container_hardening": 9.5, "image_security": float64(10), "system_security": float64(5), "overall": 8.2}
	if !reflect.DeepEqual(doc["score"], wantScore) {
		t.Errorf("score = %v, want %v", doc["score"], wantScore)
	}
	findings := doc["findings"].([]any)
	if len(findings) != 3 {
		t.Fatalf("findings = %v", findings)
	}
	required := []string{"rule", "severity", "category", "file", "line", "column", "service", "message", "fix", "fingerprint"}
	for _, f := range findings {
		for _, k := range required {
			if _, ok := f.(map[string]any)[k]; !ok {
				t.Errorf("finding has no %q: %v", k, f)
			}
		}
	}
	policyFinding, privileged := findings[0].(map[string]any), findings[1].(map[string]any)
	if policyFinding["service"] != nil {
		t.Errorf("service must be null for a finding about no service: %v", policyFinding["service"])
	}
	want := map[string]any{
		"rule": "privileged-container", "severity": "critical", "category": "host-isolation", "file": "compose.yaml",
		"line": float64(2), "column": float64(15), "service": "api", "services": []any{"api", "worker"}, "key": "privileged",
		"message": "runs privileged: root on the host", "fix": "Remove `privileged: true` and add only the capabilities or devices the service needs.",
		"fingerprint": "00000000000000b2", "help_uri": "https://github.com/composeguard/composeguard/blob/main/checks/README.md#privileged-container",
	}
	if !reflect.DeepEqual(privileged, want) {
		t.Errorf("finding =\n%v\nwant\n%v", privileged, want)
	}
	waived := doc["waived"].([]any)[0].(map[string]any)
	if waived["exception_reason"] != "needs /dev/kvm | for now" || waived["exception_expires"] != "2030-06-01" {
		t.Errorf("waived = %v", waived)
	}
}

func TestJSONEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, &audit.Report{Score: perfect}); err != nil {
		t.Fatal(err)
	}
	// Empty lists, never null, so consumers can iterate.
	if !strings.Contains(b.String(), `"findings": []`) || !strings.Contains(b.String(), `"waived": []`) {
		t.Errorf("JSON = %s", b.String())
	}
}

var textLine = regexp.MustCompile(`^(\S+):(\d+):(\d+)  (critical|high|medium|low|info) *  (\S+)  (.+)$`)

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, sample(), false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour without a terminal:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	var got []string
	for i, l := range lines {
		m := textLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		got = append(got, strings.Join(m[1:], "|"))
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "    fix: ") {
			t.Errorf("no fix below %q", l)
		}
	}
	want := []string{
		`.composeguard.yml|3|1|high|policy-invalid|unknown key "rulez"; it is ignored`,
		`compose.yaml|2|15|critical|privileged-container|[api, worker] runs privileged: root on the host`,
		"compose.yaml|9|19|medium|host-network-mode|[web] network_mode: host | shares the host's network stack",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("finding lines =\n%s\nwant\n%s\n\nin\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out)
	}
	// Files are separated by a blank line.
	if !strings.Contains(out, "README lists every setting.\n\ncompose.yaml:2:15") {
		t.Errorf("no blank line between files:\n%s", out)
	}
	for _, s := range []string{
		"2 files audited, 3 findings, 1 waived by exceptions",
		"  Container Hardening   9.5 / 10\n",
		"  Image Security       10.0 / 10\n",
		"  System Security       5.0 / 10\n",
		"  Overall               8.2 / 10\n",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("no %q in\n%s", s, out)
		}
	}
}

func TestTextColour(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, sample(), true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\x1b[1;31mcritical\x1b[0m") {
		t.Errorf("no colour:\n%q", b.String())
	}
}

func TestTextClean(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, &audit.Report{FilesAudited: 1, Score: perfect}, false); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "1 file audited, 0 findings\n\n") {
		t.Errorf("text =\n%s", b.String())
	}
}

func matchGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestMarkdownGolden(t *testing.T) {
	cases := map[string]*audit.Report{
		"audit.md.golden": sample(),
		"clean.md.golden": {FilesAudited: 1, Score: perfect},
		"empty.md.golden": {Score: perfect},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Markdown(&b, r, nil); err != nil {
				t.Fatal(err)
			}
			matchGolden(t, name, b.String())
		})
	}
}

func TestMarkdownFromAudit(t *testing.T) {
	// A real audit, with every rule but one off so that other rules cannot
	// change the output.
	pol := policy.Default()
	for _, r := range checks.All() {
		if r.ID != "privileged-container" {
			pol.Severity[r.ID] = policy.Off
		}
	}
	snap := compose.MapSnapshot{"compose.yaml": []byte("services:\n  web:\n    image: nginx:1.27\n    privileged: true\n  db:\n    image: postgres:16\n")}
	r := audit.Run(context.Background(), snap, pol, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	var b bytes.Buffer
	if err := Markdown(&b, r, nil); err != nil {
		t.Fatal(err)
	}
	matchGolden(t, "privileged.md.golden", b.String())
}

func TestMarkdownEscapesCells(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, sample(), nil); err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, l := range strings.Split(b.String(), "\n") {
		// finding rows: four cells; waived rows: five
		if !strings.HasPrefix(l, "| ") || !strings.Contains(l, "`") {
			continue
		}
		rows++
		want := 5
		if strings.Contains(l, "needs /dev/kvm") {
			want = 6
		}
		if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != want {
			t.Errorf("row with %d cell borders, want %d: %q", n, want, l)
		}
	}
	if rows != 4 {
		t.Errorf("%d finding rows, want 4:\n%s", rows, b.String())
	}
}

// TestMarkdownOneGroupPerServiceWithAFixThatApplies: the Markdown report
// gives each service one block, its rules listed, and one verified edit.
func TestMarkdownOneGroupPerServiceWithAFixThatApplies(t *testing.T) {
	content := "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n  db:\n    image: postgres:16.4\n"
	snap := compose.MapSnapshot{"compose.yaml": []byte(content)}
	pol := policy.Default()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	r := audit.Run(context.Background(), snap, pol, now)
	suggestions := Suggest(r, fix.NewSuggester(context.Background(), snap, audit.Projects(snap, pol), pol.Options))
	var b bytes.Buffer
	if err := Markdown(&b, r, suggestions); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"### `web` in `compose.yaml`", "### `db` in `compose.yaml`", "[`no-new-privileges-missing`](https://"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "```yaml\n"); n != 2 {
		t.Fatalf("%d suggested edits, want one per service:\n%s", n, out)
	}
	var edits []fix.Edit
	for _, e := range suggestions {
		edits = append(edits, e)
	}
	fixed, err := fix.Apply([]byte(content), edits...)
	if err != nil {
		t.Fatal(err)
	}
	after := audit.Run(context.Background(), compose.MapSnapshot{"compose.yaml": fixed}, pol, now)
	for _, f := range after.Findings {
		if f.Rule == "compose-invalid" || fix.Fixable(f.Rule) && f.Rule != "port-bound-all-interfaces" {
			t.Errorf("%s remains after the edits:\n%s", f.Rule, fixed)
		}
	}
	if len(after.Findings) >= len(r.Findings) {
		t.Errorf("%d findings before the edits, %d after", len(r.Findings), len(after.Findings))
	}
}

var perfect = audit.Score{ContainerHardening: 10, ImageSecurity: 10, SystemSecurity: 10, Overall: 10}
