package policy

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

func TestExceptionsRequireReasonAndDate(t *testing.T) {
	cases := []struct {
		name    string
		item    string
		valid   bool
		message string // part of the exception-invalid message
	}{
		{"complete", "  - rule: privileged-container\n    service: web\n    reason: legacy driver\n    expires: 2030-06-01\n", true, ""},
		{"service defaults to every service", "  - rule: privileged-container\n    reason: legacy driver\n    expires: 2030-06-01\n", true, ""},
		{"no reason", "  - rule: privileged-container\n    service: web\n    expires: 2030-06-01\n", false, "has no reason,"},
		{"blank reason", "  - rule: privileged-container\n    service: web\n    reason: \"  \"\n    expires: 2030-06-01\n", false, "has no reason,"},
		{"no date", "  - rule: privileged-container\n    service: web\n    reason: legacy\n", false, "has no expiry date,"},
		{"neither", "  - rule: privileged-container\n    service: web\n", false, "has no reason and no expiry date"},
		{"bad date", "  - rule: privileged-container\n    reason: legacy\n    expires: next year\n", false, `not "next year"`},
		{"date with time", "  - rule: privileged-container\n    reason: legacy\n    expires: 2030-06-01T10:00:00Z\n", false, "YYYY-MM-DD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Parse(FileName, []byte("exceptions:\n"+tc.item))
			if tc.valid {
				if len(p.Problems) != 0 || len(p.Exceptions) != 1 {
					t.Fatalf("problems %+v, exceptions %+v", p.Problems, p.Exceptions)
				}
				if tc.name == "service defaults to every service" && p.Exceptions[0].Service != "*" {
					t.Errorf("Service = %q, want *", p.Exceptions[0].Service)
				}
				return
			}
			if len(p.Exceptions) != 0 {
				t.Errorf("an invalid exception must waive nothing: %+v", p.Exceptions)
			}
			if len(p.Problems) != 1 {
				t.Fatalf("want one problem, got %+v", p.Problems)
			}
			f := p.Problems[0]
			if f.Rule != checks.ExceptionInvalid || f.Severity != checks.High || f.Pos.File != FileName || f.Pos.Line < 2 {
				t.Errorf("problem = %+v", f)
			}
			if !strings.Contains(f.Message, tc.message) {
				t.Errorf("message %q does not contain %q", f.Message, tc.message)
			}
		})
	}
}

func finding(rule, file string, line int, services ...string) checks.Finding {
	f := checks.Finding{Rule: rule, Pos: compose.Position{File: file, Line: line, Column: 1}}
	if len(services) > 0 {
		f.Service = services[0]
		f.Services = services
	}
	return f
}

func TestExceptionMatches(t *testing.T) {
	e := Exception{Rule: "privileged-container", Service: "web*"}
	cases := []struct {
		name string
		e    Exception
		f    checks.Finding
		want bool
	}{
		{"rule and service", e, finding("privileged-container", "compose.yaml", 4, "web"), true},
		{"glob", e, finding("privileged-container", "compose.yaml", 4, "web-2"), true},
		{"other service", e, finding("privileged-container", "compose.yaml", 4, "db"), false},
		{"other rule", e, finding("host-network-mode", "compose.yaml", 4, "web"), false},
		{"every service of an anchor", e, finding("privileged-container", "compose.yaml", 4, "web", "web2"), true},
		{"not every service of an anchor", e, finding("privileged-container", "compose.yaml", 4, "web", "db"), false},
		{"service only, no services list", e, checks.Finding{Rule: "privileged-container", Service: "web1"}, true},
		{"star covers a finding about no service", Exception{Rule: "privileged-container", Service: "*"}, finding("privileged-container", "compose.yaml", 1), true},
		{"a named service does not cover a file finding", e, finding("privileged-container", "compose.yaml", 1), false},
		{"file exact", Exception{Rule: "privileged-container", Service: "*", File: "a/compose.yaml"}, finding("privileged-container", "a/compose.yaml", 4, "web"), true},
		{"file other", Exception{Rule: "privileged-container", Service: "*", File: "a/compose.yaml"}, finding("privileged-container", "b/compose.yaml", 4, "web"), false},
		{"file glob", Exception{Rule: "privileged-container", Service: "*", File: "**/compose.yaml"}, finding("privileged-container", "x/y/compose.yaml", 4, "web"), true},
	}
	for _, tc := range cases {
		if got := tc.e.Matches(tc.f); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

const inlineFile = `services:
  web:
    image: nginx:1.27
    privileged: true # composeguard:ignore privileged-container expires=2030-01-02 reason="needs /dev/kvm"
  db: # composeguard:ignore privileged-container expires=2030-01-02 reason="whole service"
    image: postgres:16
  cache:
    # composeguard:ignore privileged-container reason="no date"
    privileged: true
  queue:
    # composeguard:ignore privileged-container expires=tomorrow reason="bad date"
    privileged: true
  other:
    # composeguard:ignore no-such-rule expires=2030-01-02 reason="x"
    # composeguard:ignore privileged-container   expires=2030-01-02   reason=short
    privileged: true
`

func TestInline(t *testing.T) {
	src, err := compose.ParseSource("stack/compose.yaml", []byte(inlineFile))
	if err != nil {
		t.Fatal(err)
	}
	p := Default()
	got := p.Inline(src)
	if len(got) != 3 {
		t.Fatalf("inline exceptions = %+v", got)
	}
	want := []struct {
		line   int
		reason string
	}{{4, "needs /dev/kvm"}, {5, "whole service"}, {15, "short"}}
	for i, w := range want {
		e := got[i]
		if e.Pos.Line != w.line || e.Reason != w.reason || e.Rule != "privileged-container" || !e.Inline ||
			e.File != "stack/compose.yaml" || e.Expires.Format("2006-01-02") != "2030-01-02" {
			t.Errorf("exception %d = %+v, want line %d reason %q", i, e, w.line, w.reason)
		}
		// An inline exception names no service: its place narrows it.
		if !e.Matches(finding("privileged-container", "stack/compose.yaml", w.line, "anything")) {
			t.Errorf("exception %d must match any service of its file", i)
		}
		if e.Matches(finding("privileged-container", "other/compose.yaml", w.line, "anything")) {
			t.Errorf("exception %d must not match another file", i)
		}
	}
	if got[0].Pos.Column != strings.Index(src.Line(4), "#")+1 {
		t.Errorf("column = %d", got[0].Pos.Column)
	}
	var probs []string
	for _, f := range p.Problems {
		probs = append(probs, f.Rule+"@"+strconv.Itoa(f.Pos.Line))
	}
	// One finding per bad comment: the bad date is not reported twice.
	if strings.Join(probs, ",") != "exception-invalid@8,exception-invalid@11,policy-invalid@14" {
		t.Errorf("problems = %v (%+v)", probs, p.Problems)
	}
}

func TestCoversLine(t *testing.T) {
	src, err := compose.ParseSource("compose.yaml", []byte(inlineFile))
	if err != nil {
		t.Fatal(err)
	}
	exc := Default().Inline(src)
	onValue, onService, above := exc[0], exc[1], exc[2]
	cases := []struct {
		name              string
		e                 Exception
		line, serviceLine int
		want              bool
	}{
		{"on the finding's line", onValue, 4, 2, true},
		{"not on the line below a trailing comment", onValue, 5, 5, false},
		{"on the service line", onService, 6, 5, true},
		{"service line of another service", onService, 9, 7, false},
		{"standalone comment above the finding", above, 16, 13, true},
		{"standalone comment two lines above", above, 17, 13, false},
		{"comment first inside the service", Exception{Pos: compose.Position{Line: 8}, Standalone: true}, 9, 7, true},
		{"comment first inside another service", Exception{Pos: compose.Position{Line: 8}, Standalone: true}, 12, 10, false},
	}
	for _, tc := range cases {
		if got := tc.e.CoversLine(tc.line, tc.serviceLine); got != tc.want {
			t.Errorf("%s: CoversLine(%d, %d) = %v, want %v", tc.name, tc.line, tc.serviceLine, got, tc.want)
		}
	}
}

func TestExpiryWarningIsTwoWeeks(t *testing.T) {
	if ExpiryWarning != 14*24*time.Hour {
		t.Errorf("ExpiryWarning = %v", ExpiryWarning)
	}
}
