package checks

import (
	"strconv"
	"strings"
	"testing"
)

func TestHostNetworkMode(t *testing.T) {
	runCases(t, "host-network-mode", []ruleCase{
		{"host", "services:\n  web:\n    image: nginx:1.27\n    network_mode: host\n", []string{"web@4 high"}},
		{"quoted host", "services:\n  web:\n    image: nginx:1.27\n    network_mode: \"host\"\n", []string{"web@4 high"}},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    network_mode: ${NET:-host}\n", []string{"web@4 high"}},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    network_mode: ${NET}\n", []string{"web@4 info"}},
		{"bridge", "services:\n  web:\n    image: nginx:1.27\n    network_mode: bridge\n", nil},
		{"none", "services:\n  web:\n    image: nginx:1.27\n    network_mode: none\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"upper case is a network name, not host mode", "services:\n  web:\n    image: nginx:1.27\n    network_mode: HOST\n", nil},
		{"service chained to host",
			"services:\n  vpn:\n    image: wg:1\n    network_mode: host\n  app:\n    image: app:1\n    network_mode: service:vpn\n",
			[]string{"vpn@4 high", "app@7 high"}},
		{"container_name chained to host",
			"services:\n  vpn:\n    image: wg:1\n    container_name: gw\n    network_mode: host\n  app:\n    image: app:1\n    network_mode: container:gw\n",
			[]string{"vpn@5 high", "app@8 high"}},
		{"two hops",
			"services:\n  a:\n    image: app:1\n    network_mode: service:b\n  b:\n    image: app:1\n    container_name: bee\n    network_mode: container:cc\n  c:\n    image: app:1\n    container_name: cc\n    network_mode: host\n",
			[]string{"a@4 high", "b@8 high", "c@12 high"}},
		{"chain ending on a bridge service",
			"services:\n  vpn:\n    image: wg:1\n  app:\n    image: app:1\n    network_mode: service:vpn\n", nil},
		{"container outside the project",
			"services:\n  app:\n    image: app:1\n    network_mode: container:elsewhere\n", nil},
		// Compose rejects a service: cycle as a dependency cycle; container: is not checked.
		{"container cycle",
			"services:\n  a:\n    image: app:1\n    container_name: aa\n    network_mode: container:bb\n  b:\n    image: app:1\n    container_name: bb\n    network_mode: container:aa\n", nil},
		{"chained unknown variable",
			"services:\n  vpn:\n    image: wg:1\n    network_mode: ${VPN_NET}\n  app:\n    image: app:1\n    network_mode: service:vpn\n",
			[]string{"vpn@4 info", "app@7 info"}},
		{"anchor names both services",
			"x-hostnet: &hostnet\n  network_mode: host\nservices:\n  a:\n    <<: *hostnet\n    image: app:1\n  b:\n    <<: *hostnet\n    image: app:1\n",
			[]string{"a@2 high"}},
	})
}

func TestHostNetworkModeFiles(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"value from .env", map[string]string{
			"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    network_mode: ${NET}\n",
			".env":         "NET=host\n"}, []string{"compose.yaml:web@4 high"}},
		{"override sets host", map[string]string{
			"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n",
			"compose.override.yaml": "services:\n  web:\n    network_mode: host\n"}, []string{"compose.override.yaml:web@3 high"}},
		{"override replaces an unknown variable", map[string]string{
			"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n    network_mode: ${NET}\n",
			"compose.override.yaml": "services:\n  web:\n    network_mode: host\n"}, []string{"compose.override.yaml:web@3 high"}},
		// the project is named after its directory: containers are stack-<service>-<n>
		{"generated container name chained to host", map[string]string{
			"stack/compose.yaml": "services:\n  vpn:\n    image: wg:1\n    network_mode: host\n  app:\n    image: app:1\n    network_mode: container:stack-vpn-1\n"},
			[]string{"stack/compose.yaml:vpn@4 high", "stack/compose.yaml:app@7 high"}},
		{"generated name does not match a service with container_name", map[string]string{
			"stack/compose.yaml": "services:\n  vpn:\n    image: wg:1\n    container_name: gw\n    network_mode: host\n  app:\n    image: app:1\n    network_mode: container:stack-vpn-1\n"},
			[]string{"stack/compose.yaml:vpn@5 high"}},
		{"generated name of another project", map[string]string{
			"stack/compose.yaml": "services:\n  vpn:\n    image: wg:1\n    network_mode: host\n  app:\n    image: app:1\n    network_mode: container:other-vpn-1\n"},
			[]string{"stack/compose.yaml:vpn@4 high"}},
		{"extends base in host mode", map[string]string{
			"compose.yaml": "services:\n  base:\n    image: app:1\n    network_mode: host\n  web:\n    extends: base\n"}, []string{"compose.yaml:base@4 high", "compose.yaml:web@4 high"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range runRuleFiles(t, "host-network-mode", DefaultOptions(), tc.files) {
				for _, s := range f.Services {
					got = append(got, f.Pos.File+":"+s+"@"+strconv.Itoa(f.Pos.Line)+" "+f.Severity.String())
				}
			}
			if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
				t.Errorf("findings = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestHostNetworkModeCloudflaredListensOnlyWhereItChooses: a tunnel client
// on the host's network (CasaOS's Cloudflared) listens on no interface it
// did not choose; the message says what it can do, not that it binds them all.
func TestHostNetworkModeCloudflaredListensOnlyWhereItChooses(t *testing.T) {
	got := runRule(t, "host-network-mode", "services:\n  cloudflared:\n    image: cloudflare/cloudflared:2025.1.0\n    network_mode: host\n")
	want := "uses the host's network namespace: it can listen on every host interface, and `ports:` no longer limits what is exposed"
	if len(got) != 1 || got[0].Message != want {
		t.Fatalf("findings %+v, want one saying %q", got, want)
	}
}
