package checks

import "testing"

func TestProxyNetworkNotExternal(t *testing.T) {
	app := "services:\n  app:\n    image: ghcr.io/example/app:1.2\n"
	runCases(t, "proxy-network-not-external", []ruleCase{
		{"configured name, null value", app + "    networks: [proxy]\nnetworks:\n  proxy:\n", []string{"@6 low"}},
		{"configured name, not joined", app + "    networks: [backend]\nnetworks:\n  backend:\n  traefik:\n    driver: bridge\n", []string{"@7 low"}},
		{"configured real name", app + "    networks: [front]\nnetworks:\n  front:\n    name: traefik_proxy\n", []string{"@6 low"}},
		{"external false", app + "    networks: [proxy]\nnetworks:\n  proxy:\n    external: false\n", []string{"@6 low"}},
		{"traefik.docker.network label",
			app + "    labels:\n      traefik.enable: \"true\"\n      traefik.docker.network: edge\n    networks: [edge, backend]\n  db:\n    image: postgres:16\n    networks: [backend]\nnetworks:\n  edge:\n    name: edge\n  backend:\n",
			[]string{"@12 low"}},
		{"network only routed services join",
			app + "    labels: [traefik.enable=true]\n    networks: [front, backend]\n  db:\n    image: postgres:16\n    networks: [backend]\nnetworks:\n  front:\n  backend:\n",
			[]string{"@10 low"}},
		{"network shared with the proxy in this stack",
			"services:\n  traefik:\n    image: traefik:v3.1\n    networks: [edge]\n  app:\n    image: ghcr.io/example/app:1.2\n    labels: [traefik.enable=true]\n    networks: [edge]\nnetworks:\n  edge:\n",
			[]string{"@10 low"}},
		{"external", app + "    networks: [proxy]\nnetworks:\n  proxy:\n    external: true\n", nil},
		{"external as a string", app + "    networks: [proxy]\nnetworks:\n  proxy:\n    name: proxy\n    external: \"true\"\n", nil},
		{"routed service on a configured network keeps its backend", app + "    labels: [traefik.enable=true]\n    networks: [proxy, backend]\nnetworks:\n  proxy:\n    external: true\n  backend:\n", nil},
		{"no routed service", app + "    networks: [front]\nnetworks:\n  front:\n", nil},
		{"implicit default network", app + "    labels: [traefik.enable=true]\n", nil},
	})
}

func TestProxyNetworkNotExternalFiles(t *testing.T) {
	main := "services:\n  app:\n    image: ghcr.io/example/app:1.2\n    networks: [proxy]\nnetworks:\n  proxy:\n    external: true\n"
	over := "networks:\n  proxy:\n    external: false\n"
	got := runRuleFiles(t, "proxy-network-not-external", DefaultOptions(),
		map[string]string{"compose.yaml": main, "compose.override.yaml": over})
	if len(got) != 1 || got[0].Pos.File != "compose.override.yaml" || got[0].Pos.Line != 2 {
		t.Errorf("findings = %+v, want one at compose.override.yaml:2", got)
	}
	opts := DefaultOptions()
	opts.ProxyNetworks = []string{"edge"}
	main = "services:\n  app:\n    image: ghcr.io/example/app:1.2\n    networks: [edge, proxy]\nnetworks:\n  edge:\n  proxy:\n"
	got = runRuleFiles(t, "proxy-network-not-external", opts, map[string]string{"compose.yaml": main})
	if s := summarize(got); len(s) != 1 || s[0] != "@6 low" {
		t.Errorf("configured networks replace the defaults: %v", s)
	}
}
