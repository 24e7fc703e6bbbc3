package checks

import (
	"strings"
	"testing"
)

// portsYAML is a service publishing items (one per line from line 5).
func portsYAML(extra string, items ...string) string { return webYAML("ports", items...) + extra }

func TestPortBoundAllInterfaces(t *testing.T) {
	runCases(t, "port-bound-all-interfaces", []ruleCase{
		{"the reverse proxy's own web ports are meant to be public", "services:\n  traefik:\n    image: traefik:v3.1\n    ports:\n      - \"80:80\"\n      - \"443:443\"\n      - \"8080:8080\"\n",
			[]string{"traefik@7 medium"}},
		{"host:container", portsYAML("", `"8080:80"`), []string{"web@5 medium"}},
		{"container only is an ephemeral host port", portsYAML("", `"80"`), []string{"web@5 medium"}},
		{"integer item", portsYAML("", `80`), []string{"web@5 medium"}},
		{"unquoted 2222:22 is a string, not base 60", portsYAML("", `2222:22`), []string{"web@5 medium"}},
		{"host range", portsYAML("", `"8000-9000:80"`), []string{"web@5 medium"}},
		{"container range is one finding", portsYAML("", `"8000-8001:90-91"`), []string{"web@5 medium"}},
		{"udp", portsYAML("", `"53:53/udp"`), []string{"web@5 medium"}},
		{"ipv4 wildcard", portsYAML("", `"0.0.0.0:8080:80"`), []string{"web@5 medium"}},
		{"ipv6 wildcard", portsYAML("", `"[::]:8080:80"`), []string{"web@5 medium"}},
		{"wildcard default", portsYAML("", `"${BIND:-0.0.0.0}:8080:80"`), []string{"web@5 medium"}},
		{"unknown host port still every interface", portsYAML("", `"${HTTP_PORT}:80"`), []string{"web@5 medium"}},
		{"stand-in values from a retried load", portsYAML("    cpus: ${CPUS}\n", `"${HTTP_PORT}:80"`, `"${BIND_IP}:8081:81"`), []string{"web@5 medium", "web@6 info"}},
		{"unknown container port", portsYAML("", `${SERVER_PORT}`), []string{"web@5 medium"}},
		{"unknown ports both sides", portsYAML("", `"${TURN_PORT}:${TURN_PORT}/udp"`), []string{"web@5 medium"}},
		{"long unknown published", portsYAML("", "target: 80\n        published: ${PORT}"), []string{"web@5 medium"}},
		{"long without host_ip", portsYAML("", "target: 80\n        published: 8080"), []string{"web@5 medium"}},
		{"long wildcard host_ip", portsYAML("", "target: 80\n        host_ip: 0.0.0.0"), []string{"web@5 medium"}},
		{"long ipv6 wildcard", portsYAML("", "target: 80\n        published: \"8080\"\n        host_ip: \"::\""), []string{"web@5 medium"}},
		{"each item", portsYAML("", `"127.0.0.1:8080:80"`, `"443:443"`, `"[::1]:6001:6001"`, `9000`), []string{"web@6 medium", "web@8 medium"}},
		{"unknown host ip", portsYAML("", `"${BIND_IP}:8080:80"`), []string{"web@5 info"}},
		{"unknown long host_ip", portsYAML("", "target: 80\n        host_ip: ${BIND_IP}"), []string{"web@5 info"}},
		{"loopback", portsYAML("", `"127.0.0.1:8080:80"`), nil},
		{"loopback ephemeral", portsYAML("", `"127.0.0.1::80"`), nil},
		{"ipv6 loopback", portsYAML("", `"[::1]:6001:6001"`), nil},
		{"loopback default", portsYAML("", `"${BIND:-127.0.0.1}:8080:80"`), nil},
		{"long loopback", portsYAML("", "target: 80\n        host_ip: 127.0.0.1"), nil},
		{"long ipv6 loopback", portsYAML("", "target: 80\n        host_ip: \"::1\""), nil},
		{"specific interface", portsYAML("", `"192.168.1.10:8080:80"`), nil},
		{"expose publishes nothing", "services:\n  web:\n    image: nginx:1.27\n    expose:\n      - \"80\"\n", nil},
		{"host network mode is another rule", portsYAML("    network_mode: host\n", `"8080:80"`), nil},
		{"anchored list reported once for both services",
			"x-ports: &ports\n  - \"8080:80\"\nservices:\n  a:\n    image: nginx:1.27\n    ports: *ports\n  b:\n    image: nginx:1.27\n    ports: *ports\n",
			[]string{"a@2 medium"}},
	})
}

func TestPortBoundAllInterfacesFiles(t *testing.T) {
	main := portsYAML("", `"${BIND}:8080:80"`)
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string // "file:service@line severity", "" for none
	}{
		{"env loopback", map[string]string{"compose.yaml": main, ".env": "BIND=127.0.0.1\n"}, ""},
		{"env wildcard", map[string]string{"compose.yaml": main, ".env": "BIND=0.0.0.0\n"}, "compose.yaml:web@5 medium"},
		{"override adds a port", map[string]string{"compose.yaml": portsYAML("", `"127.0.0.1:80:80"`),
			"compose.override.yaml": "services:\n  web:\n    ports:\n      - \"8443:443\"\n"}, "compose.override.yaml:web@4 medium"},
		{"override resets ports", map[string]string{"compose.yaml": portsYAML("", `"8080:80"`),
			"compose.override.yaml": "services:\n  web:\n    ports: !reset []\n"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			for _, f := range runRuleFiles(t, "port-bound-all-interfaces", DefaultOptions(), tc.files) {
				got += f.Pos.File + ":" + summarize([]Finding{f})[0]
			}
			if got != tc.want {
				t.Errorf("findings = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPortBoundAllInterfacesMergedDuplicates(t *testing.T) {
	// compose-go keeps one of these three ports; every line is reported.
	got := summarize(runRule(t, "port-bound-all-interfaces", portsYAML("", `"${BIND_IP}:8080:80"`, `"0.0.0.0:8080:80"`, `"8080:80"`)))
	if want := "web@5 info, web@6 medium, web@7 medium"; strings.Join(got, ", ") != want {
		t.Errorf("findings = %v, want %s", got, want)
	}
}
