package compose

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestVariables(t *testing.T) {
	tests := []struct {
		in   string
		want []VarRef
	}{
		{"$VAR", []VarRef{{Name: "VAR"}}},
		{"${VAR}", []VarRef{{Name: "VAR"}}},
		{"${VAR:-d}", []VarRef{{Name: "VAR", Op: ":-", Arg: "d"}}},
		{"${VAR-d}", []VarRef{{Name: "VAR", Op: "-", Arg: "d"}}},
		{"${VAR:?must be set}", []VarRef{{Name: "VAR", Op: ":?", Arg: "must be set"}}},
		{"${VAR?e}", []VarRef{{Name: "VAR", Op: "?", Arg: "e"}}},
		{"${VAR:+a}", []VarRef{{Name: "VAR", Op: ":+", Arg: "a"}}},
		{"${VAR+a}", []VarRef{{Name: "VAR", Op: "+", Arg: "a"}}},
		{"${A:-${B:-x}}", []VarRef{{Name: "A", Op: ":-", Arg: "${B:-x}"}, {Name: "B", Op: ":-", Arg: "x"}}},
		{"${A:-$B}", []VarRef{{Name: "A", Op: ":-", Arg: "$B"}, {Name: "B"}}},
		{"${IP}:${PORT:-80}:80/tcp", []VarRef{{Name: "IP"}, {Name: "PORT", Op: ":-", Arg: "80"}}},
		{"pre-$A.b_$B_c", []VarRef{{Name: "A"}, {Name: "B_c"}}},
		{"$$VAR", nil},
		{"$${VAR}", nil},
		{"$$$VAR", []VarRef{{Name: "VAR"}}},
		{"price: 5$", nil},
		{"$1 $-", nil},
		{"${unterminated", nil},
		{"${_x9}", []VarRef{{Name: "_x9"}}},
		{"no variables", nil},
	}
	for _, tt := range tests {
		if got := Variables(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Variables(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	for _, r := range []VarRef{{Op: ":-"}, {Op: "-"}} {
		if !r.HasDefault() {
			t.Errorf("%q has a default", r.Op)
		}
	}
	for _, r := range []VarRef{{}, {Op: ":?"}, {Op: "?"}, {Op: ":+"}, {Op: "+"}} {
		if r.HasDefault() {
			t.Errorf("%q has no default", r.Op)
		}
	}
}

func TestInterpolateAsCompose(t *testing.T) {
	p := &Project{Env: map[string]string{"SET": "v", "EMPTY": ""}}
	tests := []struct{ in, want string }{
		{"${SET}", "v"},
		{"$SET-x", "v-x"},
		{"${UNSET}", ""},
		{"${SET:-d}", "v"},
		{"${UNSET:-d}", "d"},
		{"${EMPTY:-d}", "d"},
		{"${EMPTY-d}", ""},
		{"${UNSET-d}", "d"},
		{"${SET:+a}", "a"},
		{"${EMPTY:+a}", ""},
		{"${EMPTY+a}", "a"},
		{"${UNSET+a}", ""},
		{"${UNSET:?required}", ""}, // an auditor reads on instead of failing
		{"${UNSET?required}", ""},
		{"${SET:?required}", "v"},
		{"$$SET", "$SET"},
		{"${UNSET:-${SET}}", "v"},
		{"no dollar", "no dollar"},
	}
	for _, tt := range tests {
		if got := p.Interpolate(tt.in); got != tt.want {
			t.Errorf("Interpolate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnknown(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{
		".env": []byte("SET=1\n"),
		"compose.yaml": []byte(`x-cmd: &cmd ["${FROM_ANCHOR}", "$$ESCAPED"]
services:
  app:
    image: "nginx:${SET}"
    command: *cmd
    environment:
      A: "${SET} ${UNSET} ${DEF:-x} ${EMPTYDEF-} ${REQ:?e} ${ALT:+a} ${UNSET}"
      B: "${NESTED:-${INNER}}"
`),
	}))
	tests := []struct {
		keys []string
		want []string
	}{
		{[]string{"image"}, nil},
		{[]string{"command"}, []string{"FROM_ANCHOR"}},
		{[]string{"environment", "A"}, []string{"UNSET", "REQ", "ALT"}},
		{[]string{"environment", "B"}, []string{"INNER"}},
		{[]string{"environment"}, []string{"UNSET", "REQ", "ALT", "INNER"}},
	}
	for _, tt := range tests {
		l, ok := p.Locate("app", tt.keys...)
		if !ok {
			t.Fatalf("Locate(app, %v) failed", tt.keys)
		}
		if got := p.Unknown(l.Value); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Unknown(%v) = %v, want %v", tt.keys, got, tt.want)
		}
	}
}

func TestRequiredVariableDoesNotFailTheLoad(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(`services:
  app:
    image: "nginx:${TAG:?set TAG in .env}"
    environment:
      TOKEN: ${TOKEN?required}
`)}))
	if len(p.Problems) != 0 {
		t.Errorf("problems %+v", p.Problems)
	}
	if got := p.Model.Services["app"].Image; got != "nginx:" {
		t.Errorf("image = %q, want the unknown tag empty", got)
	}
}

// A file whose deployment supplies the values must still load: Compose
// rejects the empty value of an unknown variable in these places, and the
// loader retries with stand-ins that Unknown still reports.
func TestUnknownVariablesStillLoad(t *testing.T) {
	tests := []struct {
		name, yaml string
		unknown    []string // Unknown at the service's first key below
		key        []string
		alone      bool // Compose accepts the file with the variables empty
	}{
		{"port", `ports: ["${PORT}:80"]`, []string{"PORT"}, []string{"ports"}, true},
		{"bind address and port", `ports: ["${BIND_IP}:${PORT}:80"]`, []string{"BIND_IP", "PORT"}, []string{"ports"}, true},
		{"long-form port", "ports:\n      - target: 80\n        published: ${PORT}\n        host_ip: ${IP}", []string{"PORT", "IP"}, []string{"ports"}, false},
		{"bind mount", `volumes: ["${DATA}:/data"]`, []string{"DATA"}, []string{"volumes"}, false},
		{"long-form bind", "volumes:\n      - type: bind\n        source: ${SRC}\n        target: ${DST}\n        read_only: ${RO}", []string{"SRC", "DST", "RO"}, []string{"volumes"}, false},
		{"privileged", `privileged: ${P}`, []string{"P"}, []string{"privileged"}, false},
		{"read_only", `read_only: ${RO}`, []string{"RO"}, []string{"read_only"}, false},
		{"limits", "mem_limit: ${MEM}\n    cpus: ${CPUS}\n    pids_limit: ${PIDS}", []string{"MEM"}, []string{"mem_limit"}, false},
		{"deploy limits", "deploy:\n      replicas: ${N}\n      resources:\n        limits:\n          memory: ${MEM}\n          cpus: ${CPUS}\n          pids: ${PIDS}", []string{"N", "MEM", "CPUS", "PIDS"}, []string{"deploy"}, false},
		{"healthcheck", "healthcheck:\n      test: [\"CMD\", \"true\"]\n      disable: ${D}\n      retries: ${R}\n      interval: ${I}", []string{"D", "R", "I"}, []string{"healthcheck"}, false},
		{"durations and sizes", "stop_grace_period: ${G}\n    shm_size: ${S}", []string{"G"}, []string{"stop_grace_period"}, false},
		{"image", `image: "${REGISTRY}/app:${TAG}"`, []string{"REGISTRY", "TAG"}, []string{"image"}, true},
		{"used in environment first", "environment:\n      - PORT=${PORT}\n      - DIR=${DIR}\n    ports:\n      - ${PORT}\n    volumes:\n      - ./data:${DIR}", []string{"PORT"}, []string{"ports"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "services:\n  app:\n    image: nginx\n    " + tt.yaml + "\n"
			if strings.HasPrefix(tt.yaml, "image:") {
				body = "services:\n  app:\n    " + tt.yaml + "\n"
			}
			p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(body)}))
			// Reported once when Compose rejects the file alone, naming a
			// variable of the line it rejects.
			switch {
			case tt.alone && len(p.Problems) != 0:
				t.Errorf("problems %+v", p.Problems)
			case !tt.alone && (len(p.Problems) != 1 || p.Problems[0].Rule != RuleIncomplete ||
				!slices.ContainsFunc(Variables(tt.yaml), func(v VarRef) bool { return strings.Contains(p.Problems[0].Message, "${"+v.Name+"}") })):
				t.Errorf("want one %s naming a variable of %q, got %+v", RuleIncomplete, tt.yaml, p.Problems)
			}
			l, ok := p.Locate("app", tt.key...)
			if !ok {
				t.Fatalf("Locate(app, %v) failed", tt.key)
			}
			if got := p.Unknown(l.Value); !reflect.DeepEqual(got, tt.unknown) {
				t.Errorf("Unknown = %v, want %v: rules must not judge a stand-in", got, tt.unknown)
			}
		})
	}
	t.Run("top-level network", func(t *testing.T) {
		p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(
			"services:\n  app:\n    image: nginx\n    networks: [n]\nnetworks:\n  n:\n    external: ${EXT}\n")}))
		if l, ok := p.LocateTop("networks", "n", "external"); !ok || !reflect.DeepEqual(p.Unknown(l.Value), []string{"EXT"}) {
			t.Errorf("external not reported unknown: %+v", l)
		}
	})
	t.Run("a stand-in never hides a real error", func(t *testing.T) {
		p := loadFiles(t, MapSnapshot{"compose.yaml": []byte(
			"services:\n  app:\n    image: nginx\n    privileged: ${P}\n    ports: [\"not a port\"]\n")})
		wantInvalid(t, p, "compose.yaml", 0, "Compose rejects")
	})
}

func TestReferencesGiveByteRanges(t *testing.T) {
	s := "a$$b ${HOST:-${IP:-0.0.0.0}}:$PORT ${bad x}"
	refs, ok := References(s)
	if !ok || len(refs) != 4 {
		t.Fatalf("References = %+v, %v", refs, ok)
	}
	if r := refs[0]; !r.Escaped || s[r.Start:r.End] != "$$" {
		t.Errorf("escape: %+v", r)
	}
	if r := refs[1]; !r.Braced || r.Name != "HOST" || s[r.Start:r.End] != "${HOST:-${IP:-0.0.0.0}}" ||
		s[r.ArgStart():r.ArgStart()+len(r.Arg)] != "${IP:-0.0.0.0}" {
		t.Errorf("braced: %+v", r)
	}
	if r := refs[2]; r.Braced || r.Name != "PORT" || s[r.Start:r.End] != "$PORT" {
		t.Errorf("plain: %+v", r)
	}
	if r := refs[3]; !r.Invalid {
		t.Errorf("${bad x} must be invalid: %+v", r)
	}
	if _, ok := References("x ${OPEN"); ok {
		t.Error("an unclosed ${ must be reported")
	}
}
