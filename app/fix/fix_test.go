package fix

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

func text(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// load loads files (the first is the main file, then its override) and
// prepares their fixes.
func load(t *testing.T, files ...[2]string) *Fixer {
	t.Helper()
	snap := compose.MapSnapshot{}
	var names []string
	for _, f := range files {
		snap[f[0]] = []byte(f[1])
		names = append(names, f[0])
	}
	p := compose.Load(context.Background(), snap, names)
	if p.Model == nil {
		t.Fatalf("the fixture does not load: %+v", p.Problems)
	}
	return New(context.Background(), p, DefaultOptions())
}

// findings returns the project's findings of the given rules (every
// fixable rule when none is given) about service ("" for any).
func findings(x *Fixer, service string, rules ...string) []checks.Finding {
	var out []checks.Finding
	for _, f := range x.Findings() {
		if (service == "" || slices.Contains(f.Services, service)) &&
			((len(rules) == 0 && Fixable(f.Rule)) || slices.Contains(rules, f.Rule)) {
			out = append(out, f)
		}
	}
	return out
}

// fixFile fixes the findings in file and returns the file after the edit.
func fixFile(t *testing.T, x *Fixer, file string, fds []checks.Finding) (string, Edit, []Skip) {
	t.Helper()
	e, skipped, ok := x.Fix(file, fds)
	before := x.project.Sources[file].Content
	if !ok {
		return string(before), e, skipped
	}
	after, err := Apply(before, e)
	if err != nil {
		t.Fatal(err)
	}
	assertOutsideUntouched(t, before, after, e)
	return string(after), e, skipped
}

// assertOutsideUntouched checks that the lines before and after an edit are
// byte for byte what they were.
func assertOutsideUntouched(t *testing.T, before, after []byte, e Edit) {
	t.Helper()
	b := strings.SplitAfter(string(before), "\n")
	a := strings.SplitAfter(string(after), "\n")
	for i := 0; i < e.StartLine-1; i++ {
		if a[i] != b[i] {
			t.Errorf("line %d changed outside the edit: %q → %q", i+1, b[i], a[i])
		}
	}
	for i := 1; i <= len(b)-e.EndLine; i++ {
		if a[len(a)-i] != b[len(b)-i] {
			t.Errorf("line %d from the end changed outside the edit: %q → %q", i, b[len(b)-i], a[len(a)-i])
		}
	}
}

func TestFixOneService(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		service string
		rules   []string
		want    string
		// narrow: the fixture only holds at its own indentation (a sequence
		// of mappings), so it is not also run at twice the width.
		narrow bool
	}{
		{
			name: "every mechanical fix, two spaces", service: "web",
			in: text(
				"services:",
				"  web:",
				"    image: nginx:1.27",
				"    ports:",
				"      - 8080:80",
			),
			want: text(
				"services:",
				"  web:",
				"    cap_drop:",
				"      - ALL",
				"    security_opt:",
				"      - no-new-privileges:true",
				"    read_only: true",
				"    tmpfs:",
				"      - /tmp",
				"      - /run",
				"    deploy:",
				"      resources:",
				"        limits:",
				`          cpus: "1.0"`,
				"          memory: 512M",
				"          pids: 200",
				"    logging:",
				"      driver: json-file",
				"      options:",
				"        max-size: 10m",
				`        max-file: "3"`,
				"    image: nginx:1.27",
				"    ports:",
				"      - 127.0.0.1:8080:80",
			),
		},
		{
			name: "four spaces, indentless lists, single quotes", service: "app",
			rules: []string{"capabilities-not-dropped", "no-new-privileges-missing", "writable-root-filesystem", "log-rotation-missing"},
			in: text(
				"services:",
				"    app:",
				"        image: 'ghcr.io/acme/app:1.2'",
				"        volumes:",
				"        - 'data:/var/lib/app'",
				"        - 'cache:/cache'",
				"volumes:",
				"    data:",
				"    cache:",
			),
			want: text(
				"services:",
				"    app:",
				"        cap_drop:",
				"        - 'ALL'",
				"        security_opt:",
				"        - 'no-new-privileges:true'",
				"        read_only: true",
				"        tmpfs:",
				"        - '/tmp'",
				"        - '/run'",
				"        logging:",
				"            driver: 'json-file'",
				"            options:",
				"                max-size: '10m'",
				"                max-file: '3'",
				"        image: 'ghcr.io/acme/app:1.2'",
				"        volumes:",
				"        - 'data:/var/lib/app'",
				"        - 'cache:/cache'",
				"volumes:",
				"    data:",
				"    cache:",
			),
		},
		{
			name: "flow lists, double quotes", service: "app",
			rules: []string{"capabilities-not-dropped", "no-new-privileges-missing"},
			in: text(
				"services:",
				"  app:",
				`    image: "redis:7"`,
				`    cap_add: ["NET_BIND_SERVICE"]`,
				`    dns: ["1.1.1.1", "9.9.9.9"]`,
			),
			want: text(
				"services:",
				"  app:",
				`    cap_drop: ["ALL"]`,
				`    security_opt: ["no-new-privileges:true"]`,
				`    image: "redis:7"`,
				`    cap_add: ["NET_BIND_SERVICE"]`,
				`    dns: ["1.1.1.1", "9.9.9.9"]`,
			),
		},
		{
			name: "appended to existing lists in their own layout", service: "app",
			rules: []string{"capabilities-not-dropped", "no-new-privileges-missing", "writable-root-filesystem"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    cap_drop: [NET_RAW]  # raw sockets",
				"    security_opt:",
				`      - "label:disable"`,
				"    tmpfs:",
				"      - /tmp:size=64m",
			),
			want: text(
				"services:",
				"  app:",
				"    read_only: true",
				"    image: redis:7",
				"    cap_drop: [NET_RAW, ALL]  # raw sockets",
				"    security_opt:",
				`      - "label:disable"`,
				`      - "no-new-privileges:true"`,
				"    tmpfs:",
				"      - /tmp:size=64m",
				"      - /run",
			),
		},
		{
			name: "values turned off are turned on, quotes kept", service: "app",
			rules: []string{"no-new-privileges-missing", "writable-root-filesystem", "restart-on-failure-retries"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    restart: 'on-failure:3'",
				"    read_only: false",
				"    tmpfs: [/tmp, /run]",
				"    security_opt:",
				"      - no-new-privileges=false",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    restart: 'on-failure:5'",
				"    read_only: true",
				"    tmpfs: [/tmp, /run]",
				"    security_opt:",
				"      - no-new-privileges=true",
			),
		},
		{
			name: "limits go into the deploy limits the service writes", service: "app",
			rules: []string{"cpu-limit-missing", "pids-limit-missing"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      resources:",
				"        limits:",
				"          memory: 1g",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      resources:",
				"        limits:",
				`          cpus: "1.0"`,
				"          pids: 200",
				"          memory: 1g",
			),
		},
		{
			name: "limits beside a service-level limit", service: "app",
			rules: []string{"cpu-limit-missing", "pids-limit-missing"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    mem_limit: 1g",
				"    restart: always",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    mem_limit: 1g",
				`    cpus: "1.0"`,
				"    pids_limit: 200",
				"    restart: always",
			),
		},
		{
			name: "limits under the deploy the service writes", service: "app",
			rules: []string{"memory-limit-missing"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      replicas: 1",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      replicas: 1",
				"      resources:",
				"        limits:",
				"          memory: 512M",
			),
		},
		{
			name: "limits beside the reservations, which they exceed", service: "app",
			rules: []string{"memory-limit-missing", "cpu-limit-missing"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      resources:",
				"        reservations:",
				"          memory: 64M",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      resources:",
				"        limits:",
				`          cpus: "1.0"`,
				"          memory: 512M",
				"        reservations:",
				"          memory: 64M",
			),
		},
		{
			name: "log rotation into existing logging options", service: "app",
			rules: []string{"log-rotation-missing"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    logging:",
				"      driver: json-file",
				"      options:",
				`        compress: "true"`,
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    logging:",
				"      driver: json-file",
				"      options:",
				"        max-size: 10m",
				`        max-file: "3"`,
				`        compress: "true"`,
			),
		},
		{
			name: "ports in short syntax", service: "app",
			rules: []string{"port-bound-all-interfaces"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    ports:",
				`      - "0.0.0.0:6379:6379"`,
				"      - 9121",
				"      - '[::]:8080:80/tcp'",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    ports:",
				`      - "127.0.0.1:6379:6379"`,
				"      - 127.0.0.1::9121",
				"      - '127.0.0.1:8080:80/tcp'",
			),
		},
		{
			name: "ports in long syntax", service: "app", narrow: true,
			rules: []string{"port-bound-all-interfaces"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    ports:",
				"      - target: 8080",
				"        published: 8080",
				"      - target: 9000",
				"        host_ip: '0.0.0.0'",
				"        published: 9000",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    ports:",
				"      - target: 8080",
				"        host_ip: 127.0.0.1",
				"        published: 8080",
				"      - target: 9000",
				"        host_ip: '127.0.0.1'",
				"        published: 9000",
			),
		},
		{
			name: "ports in long syntax, four spaces", service: "app", narrow: true,
			rules: []string{"port-bound-all-interfaces"},
			in: text(
				"services:",
				"    app:",
				"        image: redis:7",
				"        ports:",
				"            -   target: 8080",
				"                published: 8080",
			),
			want: text(
				"services:",
				"    app:",
				"        image: redis:7",
				"        ports:",
				"            -   target: 8080",
				"                host_ip: 127.0.0.1",
				"                published: 8080",
			),
		},
		{
			name: "a port beside the reverse proxy bound to loopback", service: "app",
			rules: []string{"port-bypasses-reverse-proxy", "port-bound-all-interfaces"},
			in: text(
				"services:",
				"  app:",
				"    image: ghcr.io/acme/app:1.2",
				"    labels:",
				"      - traefik.http.routers.app.rule=Host(`app.example.com`)",
				"    ports:",
				"      - 8080:8080",
			),
			want: text(
				"services:",
				"  app:",
				"    image: ghcr.io/acme/app:1.2",
				"    labels:",
				"      - traefik.http.routers.app.rule=Host(`app.example.com`)",
				"    ports:",
				"      - 127.0.0.1:8080:8080",
			),
		},
		{
			name: "tmpfs for a read-only service", service: "app",
			rules: []string{"tmpfs-missing"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    read_only: true",
				"    volumes:",
				"      - run:/var/run",
				"volumes:",
				"  run:",
			),
			want: text(
				"services:",
				"  app:",
				"    tmpfs:",
				"      - /tmp",
				"    image: redis:7",
				"    read_only: true",
				"    volumes:",
				"      - run:/var/run",
				"volumes:",
				"  run:",
			),
		},
		{
			name: "deploy restart policy gets max_attempts", service: "app",
			rules: []string{"restart-on-failure-retries"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      restart_policy:",
				"        condition: on-failure",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    deploy:",
				"      restart_policy:",
				"        max_attempts: 5",
				"        condition: on-failure",
			),
		},
		{
			name: "an exception comment stays first in the service", service: "app",
			rules: []string{"writable-root-filesystem"},
			in: text(
				"services:",
				"  app:",
				`    # composeguard:ignore runs-as-root expires=2099-01-01 reason="upstream image"`,
				"    image: redis:7",
			),
			want: text(
				"services:",
				"  app:",
				`    # composeguard:ignore runs-as-root expires=2099-01-01 reason="upstream image"`,
				"    read_only: true",
				"    tmpfs:",
				"      - /tmp",
				"      - /run",
				"    image: redis:7",
			),
		},
		{
			name: "a merge key's list is edited where the anchor writes it", service: "app",
			rules: []string{"no-new-privileges-missing", "capabilities-not-dropped"},
			in: text(
				"x-base: &base",
				"  security_opt:",
				"    - label:disable",
				"services:",
				"  app:",
				"    <<: *base",
				"    image: redis:7",
			),
			want: text(
				"x-base: &base",
				"  security_opt:",
				"    - label:disable",
				"    - no-new-privileges:true",
				"services:",
				"  app:",
				"    cap_drop:",
				"      - ALL",
				"    <<: *base",
				"    image: redis:7",
			),
		},
		{
			name: "obsolete version removed", rules: []string{"version-field-obsolete"},
			in:   text(`version: "3.8"`, "services:", "  app:", "    image: redis:7"),
			want: text("services:", "  app:", "    image: redis:7"),
		},
		{
			name: "proxy network made external", rules: []string{"proxy-network-not-external"},
			in: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    networks: [proxy]",
				"networks:",
				"  proxy:",
				"    name: proxy",
			),
			want: text(
				"services:",
				"  app:",
				"    image: redis:7",
				"    networks: [proxy]",
				"networks:",
				"  proxy:",
				"    external: true",
				"    name: proxy",
			),
		},
	}
	for _, tt := range tests {
		for _, wide := range []bool{false, true} {
			if wide && tt.narrow {
				continue
			}
			in, want, name := tt.in, tt.want, tt.name
			if wide {
				in, want, name = widen(in), widen(want), name+" (indentation doubled)"
			}
			t.Run(name, func(t *testing.T) {
				x := load(t, [2]string{"compose.yaml", in})
				fds := findings(x, tt.service, tt.rules...)
				if len(fds) == 0 {
					t.Fatal("the fixture has no finding to fix")
				}
				for _, r := range tt.rules {
					if !slices.ContainsFunc(fds, func(f checks.Finding) bool { return f.Rule == r }) {
						t.Fatalf("the fixture has no %s finding", r)
					}
				}
				got, e, skipped := fixFile(t, x, "compose.yaml", fds)
				if got != want {
					t.Errorf("got\n%s\nwant\n%s", got, want)
				}
				if len(skipped) > 0 {
					t.Errorf("skipped %+v", skipped)
				}
				if len(e.Fixes) != len(fds) {
					t.Errorf("fixes %d findings, want %d", len(e.Fixes), len(fds))
				}
			})
		}
	}
}

// widen doubles every line's indentation.
func widen(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Repeat(" ", leading(l)) + l
	}
	return strings.Join(lines, "\n")
}
