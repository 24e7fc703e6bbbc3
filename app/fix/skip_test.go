package fix

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

// reasons maps each rule of the skipped findings to why.
func reasons(skipped []Skip) map[string]Reason {
	out := map[string]Reason{}
	for _, s := range skipped {
		out[s.Finding.Rule] = s.Reason
	}
	return out
}

func fixedRules(e Edit) []string {
	var out []string
	for _, f := range e.Fixes {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return out
}

func TestFixLeavesWhatItMustNot(t *testing.T) {
	tests := []struct {
		name  string
		files [][2]string
		file  string // the file to edit; the main file when empty
		rules []string
		want  string // the edited file; the input when nothing is fixed
		skip  map[string]Reason
	}{
		{
			name:  "a service written in flow style",
			files: [][2]string{{"compose.yaml", text("services:", "  app: {image: redis:7}")}},
			rules: []string{"capabilities-not-dropped", "writable-root-filesystem"},
			want:  text("services:", "  app: {image: redis:7}"),
			skip:  map[string]Reason{"capabilities-not-dropped": Layout, "writable-root-filesystem": Layout},
		},
		{
			name: "an override file writes the list: the main file is not edited",
			files: [][2]string{
				{"compose.yaml", text("services:", "  app:", "    image: redis:7")},
				{"compose.override.yaml", text("services:", "  app:", "    security_opt:", "      - label:disable")},
			},
			rules: []string{"no-new-privileges-missing"},
			want:  text("services:", "  app:", "    image: redis:7"),
			skip:  map[string]Reason{"no-new-privileges-missing": Elsewhere},
		},
		{
			name: "an override file writes the list: it is edited there",
			files: [][2]string{
				{"compose.yaml", text("services:", "  app:", "    image: redis:7")},
				{"compose.override.yaml", text("services:", "  app:", "    security_opt:", "      - label:disable")},
			},
			file:  "compose.override.yaml",
			rules: []string{"no-new-privileges-missing"},
			want:  text("services:", "  app:", "    security_opt:", "      - label:disable", "      - no-new-privileges:true"),
		},
		{
			name: "an extends base in another file provides the list",
			files: [][2]string{
				{"compose.yaml", text("services:", "  app:", "    extends:", "      file: base.yaml", "      service: base")},
				{"base.yaml", text("services:", "  base:", "    image: redis:7", "    cap_drop: [NET_RAW]")},
			},
			rules: []string{"capabilities-not-dropped"},
			want:  text("services:", "  app:", "    extends:", "      file: base.yaml", "      service: base"),
			skip:  map[string]Reason{"capabilities-not-dropped": Elsewhere},
		},
		{
			name: "an extends base in another file provides the list: it is edited there",
			files: [][2]string{
				{"compose.yaml", text("services:", "  app:", "    extends:", "      file: base.yaml", "      service: base")},
				{"base.yaml", text("services:", "  base:", "    image: redis:7", "    cap_drop: [NET_RAW]")},
			},
			file:  "base.yaml",
			rules: []string{"capabilities-not-dropped"},
			want:  text("services:", "  base:", "    image: redis:7", "    cap_drop: [NET_RAW, ALL]"),
		},
		{
			name: "a port bound through a variable",
			files: [][2]string{{"compose.yaml", text("services:", "  app:", "    image: redis:7", "    ports:",
				`      - "${BIND:-0.0.0.0}:6379:6379"`)}},
			rules: []string{"port-bound-all-interfaces"},
			want:  text("services:", "  app:", "    image: redis:7", "    ports:", `      - "${BIND:-0.0.0.0}:6379:6379"`),
			skip:  map[string]Reason{"port-bound-all-interfaces": Variable},
		},
		{
			name:  "a limit written as 0 is a choice",
			files: [][2]string{{"compose.yaml", text("services:", "  app:", "    image: redis:7", "    pids_limit: 0")}},
			rules: []string{"pids-limit-missing"},
			want:  text("services:", "  app:", "    image: redis:7", "    pids_limit: 0"),
			skip:  map[string]Reason{"pids-limit-missing": NotMechanical},
		},
		{
			name:  "a reservation above the default memory limit",
			files: [][2]string{{"compose.yaml", text("services:", "  app:", "    image: redis:7", "    mem_reservation: 1g")}},
			rules: []string{"memory-limit-missing"},
			want:  text("services:", "  app:", "    image: redis:7", "    mem_reservation: 1g"),
			skip:  map[string]Reason{"memory-limit-missing": NotMechanical},
		},
		{
			// A bind mount on /tmp is no scratch space for tmpfs-missing,
			// and a tmpfs on top of it would collide: read_only alone
			// brings a new finding, so verification refuses it.
			name: "read_only whose tmpfs cannot be added",
			files: [][2]string{{"compose.yaml", text("services:", "  app:", "    image: redis:7", "    volumes:",
				"      - ./scratch:/tmp")}},
			rules: []string{"writable-root-filesystem", "capabilities-not-dropped"},
			want: text("services:", "  app:", "    cap_drop:", "      - ALL", "    image: redis:7", "    volumes:",
				"      - ./scratch:/tmp"),
			skip: map[string]Reason{"writable-root-filesystem": NewFinding},
		},
		{
			name: "secrets and healthchecks need a human",
			files: [][2]string{{"compose.yaml", text("services:", "  app:", "    image: redis:7",
				"    environment:", "      POSTGRES_PASSWORD: hunter2hunter2")}},
			rules: []string{"hardcoded-secret", "healthcheck-missing"},
			want: text("services:", "  app:", "    image: redis:7",
				"    environment:", "      POSTGRES_PASSWORD: hunter2hunter2"),
			skip: map[string]Reason{"hardcoded-secret": NotMechanical, "healthcheck-missing": NotMechanical},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := load(t, tt.files...)
			file := tt.file
			if file == "" {
				file = tt.files[0][0]
			}
			fds := findings(x, "", tt.rules...)
			for _, r := range tt.rules {
				if !slices.ContainsFunc(fds, func(f checks.Finding) bool { return f.Rule == r }) {
					t.Fatalf("the fixture has no %s finding", r)
				}
			}
			got, _, skipped := fixFile(t, x, file, fds)
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if r := reasons(skipped); !mapsEqual(r, tt.skip) {
				t.Errorf("skipped %v, want %v", r, tt.skip)
			}
		})
	}
}

func mapsEqual(a, b map[string]Reason) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestVerify feeds verification edits the planner would never make.
func TestVerify(t *testing.T) {
	x := load(t, [2]string{"compose.yaml", text("services:", "  app:", "    image: redis:7", "    read_only: false", "    tmpfs: [/tmp, /run]")})
	f := x.file("compose.yaml")
	claimed := findings(x, "app", "writable-root-filesystem")
	tests := []struct {
		name string
		edit hunk
		want Reason
	}{
		{"fixes what it claims", replace(4, "    read_only: true"), ""},
		{"broken YAML", replace(4, "    read_only: [true"), Invalid},
		{"not compose", replace(4, "    read_only: maybe"), Invalid},
		{"claimed finding remains", replace(3, "    image: redis:7.2"), Remains},
		{"new finding", insertAfter(4, []string{"    privileged: true", "    read_only: true"}), NewFinding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := []hunk{tt.edit}
			if tt.name == "new finding" {
				hs = append(hs, hunk{start: 4, end: 4})
			}
			if got := x.verify(f, hs, claimed); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFixKeep refuses an edit of an anchor that a kept service (one an
// exception covers) shares, but still adds keys to the other service.
func TestFixKeep(t *testing.T) {
	in := text(
		"x-base: &base",
		"  security_opt: [label:disable]",
		"services:",
		"  app:",
		"    <<: *base",
		"    image: redis:7",
		"  legacy:",
		"    <<: *base",
		"    image: redis:6",
	)
	snap := compose.MapSnapshot{"compose.yaml": []byte(in)}
	p := compose.Load(context.Background(), snap, []string{"compose.yaml"})
	opts := DefaultOptions()
	opts.Keep = []string{"legacy"}
	x := New(context.Background(), p, opts)
	got, _, skipped := fixFile(t, x, "compose.yaml", findings(x, "app", "no-new-privileges-missing", "capabilities-not-dropped"))
	want := strings.Replace(in, "    <<: *base\n    image: redis:7", "    cap_drop: [ALL]\n    <<: *base\n    image: redis:7", 1)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if r := reasons(skipped); r["no-new-privileges-missing"] != Kept || len(r) != 1 {
		t.Errorf("skipped %v, want no-new-privileges-missing kept", r)
	}
}

func TestFixKeepsLineEndingsAndByteOrderMark(t *testing.T) {
	in := "\xef\xbb\xbfservices:\r\n  app:\r\n    image: redis:7   # pinned\r\n    ports:\r\n      - '6379:6379'\r\n"
	x := load(t, [2]string{"compose.yaml", in})
	got, e, skipped := fixFile(t, x, "compose.yaml", findings(x, "app", "capabilities-not-dropped", "port-bound-all-interfaces"))
	want := "\xef\xbb\xbfservices:\r\n  app:\r\n    cap_drop:\r\n      - ALL\r\n    image: redis:7   # pinned\r\n    ports:\r\n      - '127.0.0.1:6379:6379'\r\n"
	if got != want || len(skipped) > 0 {
		t.Errorf("got %q (skipped %v)\nwant %q", got, skipped, want)
	}
	if e.StartLine != 2 || e.EndLine != 5 || strings.Contains(e.Text, "\r") {
		t.Errorf("edit lines %d-%d %q: want lines 2-5 with \\n only", e.StartLine, e.EndLine, e.Text)
	}
}

func TestHardenWholeFile(t *testing.T) {
	in := text(
		"version: '3'",
		"x-logging: &logging",
		"  driver: json-file",
		"services:",
		"  db:",
		"    image: postgres:16",
		"    logging: *logging",
		"    volumes:",
		"      - ./scratch:/tmp",
		"  cache:",
		"    image: redis:7",
		"    logging: *logging",
		"    read_only: true",
		"    tmpfs: [/tmp, /run]",
	)
	x := load(t, [2]string{"compose.yaml", in})
	var fds []checks.Finding
	for _, f := range x.Findings() {
		if f.Rule != "memory-limit-missing" && f.Rule != "cpu-limit-missing" && f.Rule != "pids-limit-missing" {
			fds = append(fds, f)
		}
	}
	content, edits, skipped := x.Harden("compose.yaml", fds)
	want := text(
		"x-logging: &logging",
		"  driver: json-file",
		"  options:",
		"    max-size: 10m",
		`    max-file: "3"`,
		"services:",
		"  db:",
		"    cap_drop:",
		"      - ALL",
		"    security_opt:",
		"      - no-new-privileges:true",
		"    image: postgres:16",
		"    logging: *logging",
		"    volumes:",
		"      - ./scratch:/tmp",
		"  cache:",
		"    cap_drop:",
		"      - ALL",
		"    security_opt:",
		"      - no-new-privileges:true",
		"    image: redis:7",
		"    logging: *logging",
		"    read_only: true",
		"    tmpfs: [/tmp, /run]",
	)
	if string(content) != want {
		t.Errorf("got\n%s\nwant\n%s", content, want)
	}
	if r := reasons(skipped); r["writable-root-filesystem"] != NewFinding {
		t.Errorf("db's read_only should be refused (its /tmp is a bind mount); skipped %v", r)
	}
	// The edits are what Harden applied, and they do not overlap.
	again, err := Apply([]byte(in), edits...)
	if err != nil || string(again) != want {
		t.Errorf("applying the edits gives %q, %v", again, err)
	}
	var fixed int
	for _, e := range edits {
		fixed += len(e.Fixes)
	}
	// version, log rotation (one finding for both services, at the
	// anchor), and cap_drop and no-new-privileges for each service.
	if fixed != 6 {
		t.Errorf("the edits fix %d findings, want 6: %+v", fixed, edits)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name, in string
		edits    []Edit
		want     string
	}{
		{"insertion keeps CRLF", "a\r\nb\r\nc\r\n", []Edit{{StartLine: 2, EndLine: 2, Text: "b\nb2"}}, "a\r\nb\r\nb2\r\nc\r\n"},
		{"last line without newline", "a\nb", []Edit{{StartLine: 2, EndLine: 2, Text: "b\nc"}}, "a\nb\nc"},
		{"removal", "a\nb\nc\n", []Edit{{StartLine: 1, EndLine: 1}}, "b\nc\n"},
		{"two edits", "a\nb\nc\nd\n", []Edit{{StartLine: 4, EndLine: 4, Text: "D"}, {StartLine: 1, EndLine: 2, Text: "A"}}, "A\nc\nD\n"},
		{"byte order mark kept", "\xef\xbb\xbfa\nb\n", []Edit{{StartLine: 1, EndLine: 1, Text: "A"}}, "\xef\xbb\xbfA\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply([]byte(tt.in), tt.edits...)
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := Apply([]byte("a\nb\n"), Edit{StartLine: 1, EndLine: 2}, Edit{StartLine: 2, EndLine: 2}); err == nil {
		t.Error("overlapping edits were applied")
	}
	if _, err := Apply([]byte("a\n"), Edit{StartLine: 1, EndLine: 3}); err == nil {
		t.Error("an edit past the end was applied")
	}
}

func TestRules(t *testing.T) {
	for _, id := range Rules() {
		if !Fixable(id) {
			t.Errorf("%s is listed but not fixable", id)
		}
	}
	for _, id := range []string{"privileged-container", "hardcoded-secret", "docker-socket-mount", "image-tag-not-pinned", "healthcheck-missing", "network-not-declared"} {
		if Fixable(id) {
			t.Errorf("%s needs a human choice but is fixable", id)
		}
		if d := DefaultOptions().Describe(id); d != "" {
			t.Errorf("%s has no fix but is described as %q", id, d)
		}
	}
}

// Every fix says what it writes, with the limits it was given.
func TestDescribe(t *testing.T) {
	for _, id := range Rules() {
		if DefaultOptions().Describe(id) == "" {
			t.Errorf("%s has a fix that says nothing of what it writes", id)
		}
	}
	o := Options{Memory: "1g", CPUs: "0.5", Pids: 64}
	for rule, want := range map[string]string{"memory-limit-missing": "1g", "cpu-limit-missing": "0.5", "pids-limit-missing": "64"} {
		if got := o.Describe(rule); !strings.HasSuffix(got, " "+want) {
			t.Errorf("%s: %q, want the limit %s", rule, got, want)
		}
	}
}

// TestFixRetriesAreBounded: when a group fails verification, only the first
// maxRetries findings are retried one by one (each retry reloads the
// project); the rest are left with the group's reason.
func TestFixRetriesAreBounded(t *testing.T) {
	lines := []string{"services:", "  app:", "    image: redis:7", "    volumes:", "      - ./scratch:/tmp", "    ports:"}
	for port := 8000; port < 8020; port++ {
		lines = append(lines, "      - "+strconv.Itoa(port)+":80")
	}
	x := load(t, [2]string{"compose.yaml", text(lines...)})
	fds := findings(x, "app", "port-bound-all-interfaces", "writable-root-filesystem")
	if len(fds) != 21 {
		t.Fatalf("the fixture has %d findings, want 20 ports and read_only", len(fds))
	}
	_, e, skipped := fixFile(t, x, "compose.yaml", fds)
	if len(e.Fixes) != maxRetries || len(skipped) != len(fds)-maxRetries {
		t.Errorf("fixed %d and skipped %d of %d findings, want %d fixed", len(e.Fixes), len(skipped), len(fds), maxRetries)
	}
	for _, s := range skipped {
		if s.Reason != NewFinding {
			t.Errorf("%s skipped because %q, want the group's reason", s.Finding.Rule, s.Reason)
		}
	}
}
