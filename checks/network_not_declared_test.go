package checks

import "testing"

func TestNetworkNotDeclared(t *testing.T) {
	runCases(t, "network-not-declared", []ruleCase{
		{"no networks", "services:\n  web:\n    image: nginx:1.27\n", []string{"web@2 low"}},
		{"empty networks", "services:\n  web:\n    image: nginx:1.27\n    networks: {}\n", []string{"web@2 low"}},
		{"network_mode bridge", "services:\n  web:\n    image: nginx:1.27\n    network_mode: bridge\n", []string{"web@4 low"}},
		{"network_mode quoted bridge", "services:\n  web:\n    image: nginx:1.27\n    network_mode: \"bridge\"\n", []string{"web@4 low"}},
		{"network_mode default", "services:\n  web:\n    image: nginx:1.27\n    network_mode: default\n", []string{"web@4 low"}},
		{"bridge from a default", "services:\n  web:\n    image: nginx:1.27\n    network_mode: ${NET_MODE:-bridge}\n", []string{"web@4 low"}},
		{"unknown network_mode", "services:\n  web:\n    image: nginx:1.27\n    network_mode: ${NET_MODE}\n", []string{"web@4 info"}},
		{"named networks", "services:\n  web:\n    image: nginx:1.27\n    networks: [backend]\nnetworks:\n  backend:\n", nil},
		{"default listed explicitly", "services:\n  web:\n    image: nginx:1.27\n    networks:\n      default:\n", nil},
		{"network_mode none", "services:\n  web:\n    image: nginx:1.27\n    network_mode: none\n", nil},
		{"network_mode host is another rule", "services:\n  web:\n    image: nginx:1.27\n    network_mode: host\n", nil},
		{"network_mode service", "services:\n  vpn:\n    image: qmcgaw/gluetun:v3\n    networks: [backend]\n  web:\n    image: nginx:1.27\n    network_mode: service:vpn\nnetworks:\n  backend:\n", nil},
		{"networks from an anchor", "x-net: &net\n  networks: [backend]\nservices:\n  web:\n    <<: *net\n    image: nginx:1.27\nnetworks:\n  backend:\n", nil},
		{"networks from extends", "services:\n  base:\n    image: nginx:1.27\n    networks: [backend]\n  web:\n    extends: base\nnetworks:\n  backend:\n", nil},
		{"each service", "services:\n  a:\n    image: nginx:1.27\n  b:\n    image: nginx:1.27\n    network_mode: bridge\n  c:\n    image: nginx:1.27\n    networks: [backend]\nnetworks:\n  backend:\n",
			[]string{"a@2 low", "b@6 low"}},
	})
}

func TestNetworkNotDeclaredOverride(t *testing.T) {
	for _, tc := range []struct {
		name, override string
		want           int
	}{
		{"override declares", "services:\n  web:\n    networks: [backend]\nnetworks:\n  backend:\n", 0},
		{"override resets", "services:\n  web:\n    networks: !reset {}\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			main := "services:\n  web:\n    image: nginx:1.27\n"
			if tc.want == 1 {
				main += "    networks: [backend]\nnetworks:\n  backend:\n"
			}
			got := runRuleFiles(t, "network-not-declared", DefaultOptions(),
				map[string]string{"compose.yaml": main, "compose.override.yaml": tc.override})
			if len(got) != tc.want {
				t.Errorf("findings = %v, want %d", summarize(got), tc.want)
			}
		})
	}
}
