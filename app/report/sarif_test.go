package report

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sarifSchema finds the SARIF 2.1.0 schema in shared/, beside the
// repository root, or skips the test.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			t.Fatalf("no go.mod above %s", wd)
		}
		root = parent
	}
	path := filepath.Join(root, "..", "shared", "sarif", "sarif-schema-2.1.0.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("SARIF schema not found at %s (shared/ is not beside the repository): %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compiling %s: %v", path, err)
	}
	return s
}

func validateSARIF(t *testing.T, schema *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
}

// auditAll audits a compose file with every rule on, so every finding shape
// the rules make today goes through the schema.
func auditAll(t *testing.T, files map[string]string) *audit.Report {
	t.Helper()
	snap := compose.MapSnapshot{}
	for p, c := range files {
		snap[p] = []byte(c)
	}
	pol := policy.Parse(policy.FileName, []byte("fail_on: loud\nexceptions:\n  - rule: privileged-container\n    service: db\n    reason: r\n    expires: 2030-01-05\n"))
	return audit.Run(context.Background(), snap, pol, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
}

const busyCompose = `x-base: &base
  privileged: true
services:
  web:
    <<: *base
    image: nginx:latest
    network_mode: host
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - /:/host
    ports:
      - "80:80"
      - "5432:5432"
    environment:
      PASSWORD: hunter2
  db:
    <<: *base
    image: postgres
    pid: host
    cap_add: [SYS_ADMIN]
    security_opt: ["seccomp:unconfined", "apparmor:unconfined"]
`

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	schema := sarifSchema(t)
	reports := map[string]*audit.Report{
		"sample": sample(),
		"empty":  {Score: perfect},
		"busy":   auditAll(t, map[string]string{"compose.yaml": busyCompose}),
		"broken": auditAll(t, map[string]string{"compose.yaml": "services: [\n", "b/compose.yaml": "include: [/etc/x.yml]\nservices:\n  a:\n    image: x\n"}),
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := SARIF(&b, r); err != nil {
				t.Fatal(err)
			}
			validateSARIF(t, schema, b.Bytes())
		})
	}
}

func TestSARIFSchemaRejects(t *testing.T) {
	// The schema check must be able to fail: a result without a message and
	// a wrong version are refused.
	schema := sarifSchema(t)
	for _, doc := range []string{
		`{"version": "2.0.0", "runs": []}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("schema accepts %s", doc)
		}
	}
}

// The parts of SARIF that GitHub code scanning reads.
type ghSARIF struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID               string `json:"id"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					HelpURI          string `json:"helpUri"`
					Properties       struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
					}
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine   int `json:"startLine"`
						StartColumn int `json:"startColumn"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          map[string]any    `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

func TestSARIFForCodeScanning(t *testing.T) {
	old := Version
	Version = "1.2.3"
	defer func() { Version = old }()
	var b bytes.Buffer
	r := sample()
	r.Findings[2].Severity = checks.Medium // host-network-mode is high by default
	if err := SARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc ghSARIF
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif") || len(doc.Runs) != 1 {
		t.Fatalf("header: %+v", doc)
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Name != "composeguard" || run.Tool.Driver.Version != "1.2.3" {
		t.Errorf("driver %s %s", run.Tool.Driver.Name, run.Tool.Driver.Version)
	}
	if len(run.Tool.Driver.Rules) != len(checks.All()) {
		t.Errorf("%d rules, want every rule (%d)", len(run.Tool.Driver.Rules), len(checks.All()))
	}
	seen := map[string]bool{}
	for _, rule := range run.Tool.Driver.Rules {
		if seen[rule.ID] {
			t.Errorf("rule %s listed twice", rule.ID)
		}
		seen[rule.ID] = true
		if rule.ShortDescription.Text == "" || rule.FullDescription.Text == "" || rule.Help.Text == "" || rule.Help.Markdown == "" {
			t.Errorf("rule %s lacks descriptions or help: %+v", rule.ID, rule)
		}
		if u, err := url.Parse(rule.HelpURI); err != nil || u.Scheme != "https" || !strings.HasSuffix(rule.HelpURI, "#"+rule.ID) {
			t.Errorf("rule %s helpUri %q", rule.ID, rule.HelpURI)
		}
		if rule.Properties.SecuritySeverity == "" || len(rule.Properties.Tags) == 0 {
			t.Errorf("rule %s properties %+v", rule.ID, rule.Properties)
		}
	}
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings (waived findings must not be results)", len(run.Results), len(r.Findings))
	}
	wantLevel := []string{"error", "error", "warning"}
	for i, res := range run.Results {
		f := r.Findings[i]
		if res.RuleID != f.Rule || run.Tool.Driver.Rules[res.RuleIndex].ID != f.Rule {
			t.Errorf("result %d: ruleId %s, ruleIndex %d", i, res.RuleID, res.RuleIndex)
		}
		if res.Level != wantLevel[i] {
			t.Errorf("result %d: level %s, want %s", i, res.Level, wantLevel[i])
		}
		if res.PartialFingerprints["composeguard/v1"] != f.Fingerprint {
			t.Errorf("result %d: partialFingerprints %v", i, res.PartialFingerprints)
		}
		loc := res.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %d: uriBaseId %q; code scanning resolves paths from the repository root, %%SRCROOT%%", i, loc.ArtifactLocation.URIBaseID)
		}
		if loc.ArtifactLocation.URI != f.Pos.File || loc.Region.StartLine != f.Pos.Line || loc.Region.StartColumn != f.Pos.Column {
			t.Errorf("result %d: location %+v", i, loc)
		}
		if !strings.Contains(res.Message.Text, f.Message) {
			t.Errorf("result %d: message %q", i, res.Message.Text)
		}
	}
	if !strings.HasPrefix(run.Results[1].Message.Text, "[api, worker] ") {
		t.Errorf("message must name the services: %q", run.Results[1].Message.Text)
	}
	// A severity the policy changed is kept on the result.
	if run.Results[2].Properties["severity"] != "medium" || run.Results[1].Properties != nil {
		t.Errorf("properties %v / %v", run.Results[2].Properties, run.Results[1].Properties)
	}
}

func TestSARIFLevels(t *testing.T) {
	for sev, want := range map[checks.Severity]string{checks.Critical: "error", checks.High: "error", checks.Medium: "warning", checks.Low: "note", checks.Info: "note"} {
		if got := sarifLevel(sev); got != want {
			t.Errorf("sarifLevel(%v) = %s, want %s", sev, got, want)
		}
		if securitySeverity[sev] == "" {
			t.Errorf("no security-severity for %v", sev)
		}
	}
}

func TestSARIFClampsPositions(t *testing.T) {
	r := &audit.Report{Findings: []audit.Finding{{Finding: checks.Finding{Rule: "policy-invalid", Severity: checks.High,
		Pos: compose.Position{File: ".composeguard.yml"}, Message: "m"}, Fingerprint: "f"}}}
	var b bytes.Buffer
	if err := SARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"startLine": 1`) || !strings.Contains(b.String(), `"startColumn": 1`) {
		t.Errorf("line and column must be at least 1:\n%s", b.String())
	}
}

// A URI escapes what a path may hold and a URI may not.
func TestSARIFEscapesPaths(t *testing.T) {
	schema := sarifSchema(t)
	r := &audit.Report{Findings: []audit.Finding{
		{Finding: checks.Finding{Rule: "privileged-container", Severity: checks.Critical, Pos: compose.Position{File: "my stack/compose #1.yaml", Line: 2}, Message: "m"}, Fingerprint: "a"},
		{Finding: checks.Finding{Rule: "privileged-container", Severity: checks.Critical, Pos: compose.Position{File: "<stdin>", Line: 2}, Message: "m"}, Fingerprint: "b"},
	}}
	var b bytes.Buffer
	if err := SARIF(&b, r); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, schema, b.Bytes())
	var doc ghSARIF
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"my%20stack/compose%20%231.yaml", "%3Cstdin%3E"} {
		uri := doc.Runs[0].Results[i].Locations[0].PhysicalLocation.ArtifactLocation.URI
		if uri != want {
			t.Errorf("uri %q, want %q", uri, want)
		}
		if u, err := url.Parse(uri); err != nil || u.Path != r.Findings[i].Pos.File {
			t.Errorf("uri %q does not give back the path %q: %v", uri, r.Findings[i].Pos.File, err)
		}
	}
}
