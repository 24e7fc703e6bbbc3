package checks

import "testing"

// routedYAML is a service with labels (written from line 4) publishing
// one item, which lands on line 5+labels.
func routedYAML(labels, item string) string {
	return "services:\n  app:\n    image: ghcr.io/example/app:1.2\n" + labels + "    ports:\n      - " + item + "\n"
}

func TestPortBypassesReverseProxy(t *testing.T) {
	enableList := "    labels:\n      - traefik.enable=true\n"
	runCases(t, "port-bypasses-reverse-proxy", []ruleCase{
		{"traefik.enable list form", routedYAML(enableList, `"8080:80"`), []string{"app@7 medium"}},
		{"traefik.enable map form", routedYAML("    labels:\n      traefik.enable: \"true\"\n", `"8080:80"`), []string{"app@7 medium"}},
		{"router label without enable", routedYAML("    labels:\n      - traefik.http.routers.app.rule=Host(`app.example.com`)\n", `"8080:80"`), []string{"app@7 medium"}},
		{"caddy labels", routedYAML("    labels:\n      caddy: app.example.com\n      caddy.reverse_proxy: \"{{upstreams 80}}\"\n", `"8080:80"`), []string{"app@8 medium"}},
		{"ephemeral host port", routedYAML(enableList, `"80"`), []string{"app@7 medium"}},
		{"integer item", routedYAML(enableList, `3000`), []string{"app@7 medium"}},
		{"wildcard", routedYAML(enableList, `"0.0.0.0:8080:80"`), []string{"app@7 medium"}},
		{"ipv6 wildcard", routedYAML(enableList, `"[::]:8080:80"`), []string{"app@7 medium"}},
		{"wildcard default", routedYAML(enableList, `"${BIND:-0.0.0.0}:8080:80"`), []string{"app@7 medium"}},
		{"lan address", routedYAML(enableList, `"192.168.1.10:8080:80"`), []string{"app@7 medium"}},
		{"host range", routedYAML(enableList, `"8000-8010:80"`), []string{"app@7 medium"}},
		{"long syntax", routedYAML(enableList, "target: 80\n        published: 8080"), []string{"app@7 medium"}},
		{"proxy network membership",
			"services:\n  app:\n    image: ghcr.io/example/app:1.2\n    networks: [proxy]\n    ports:\n      - \"8080:80\"\nnetworks:\n  proxy:\n    external: true\n",
			[]string{"app@6 medium"}},
		{"proxy network by name",
			"services:\n  app:\n    image: ghcr.io/example/app:1.2\n    networks: [front]\n    ports:\n      - \"8080:80\"\nnetworks:\n  front:\n    name: traefik\n    external: true\n",
			[]string{"app@6 medium"}},
		{"unknown host ip", routedYAML(enableList, `"${BIND_IP}:8080:80"`), []string{"app@7 info"}},
		{"unknown host port", routedYAML(enableList, `"${APP_PORT}:80"`), []string{"app@7 info"}},
		{"unknown long host_ip", routedYAML(enableList, "target: 80\n        host_ip: ${BIND_IP}"), []string{"app@7 info"}},
		{"loopback", routedYAML(enableList, `"127.0.0.1:8080:80"`), nil},
		{"ipv6 loopback", routedYAML(enableList, `"[::1]:8080:80"`), nil},
		{"long loopback", routedYAML(enableList, "target: 80\n        host_ip: 127.0.0.1"), nil},
		{"unknown port on loopback", routedYAML(enableList, `"127.0.0.1:${APP_PORT}:80"`), nil},
		{"mail ports are allowed", routedYAML(enableList, `"25:25"`), nil},
		{"allowed range", routedYAML(enableList, `"465:465"`), nil},
		{"DNS beside a routed web UI (Pi-hole)", "services:\n  pihole:\n    image: pihole/pihole:2024.07.0\n    labels: [traefik.enable=true]\n    ports:\n      - \"53:53/tcp\"\n      - \"53:53/udp\"\n      - \"8080:80\"\n",
			[]string{"pihole@8 medium"}},
		{"mail protocols on other host ports", routedYAML(enableList, `"2525:25"`) + "      - \"10465:465\"\n      - \"587:587\"\n      - \"10993:993\"\n", nil},
		{"SSH on another host port", routedYAML(enableList, `"2222:22"`), nil},
		{"BitTorrent and game server ports", routedYAML(enableList, `"6881:6881"`) + "      - \"30120:30120\"\n      - \"25565:25565\"\n", nil},
		{"a database port is not the proxy's to carry", routedYAML(enableList, `"5432:5432"`), nil},
		{"any UDP port", routedYAML(enableList, `"51820:51820/udp"`), nil},
		{"UDP the proxy routes is a bypass", routedYAML("    labels:\n      - traefik.udp.routers.dns.entrypoints=dns\n", `"5353:53/udp"`), []string{"app@7 medium"}},
		{"TCP routers carry any TCP", routedYAML("    labels:\n      - traefik.tcp.routers.pg.rule=HostSNI(`*`)\n", `"5432:5432"`), []string{"app@7 medium"}},
		{"the proxy itself with an unknown tag", "services:\n  traefik:\n    image: traefik:${TRAEFIK_VERSION}\n    labels: [traefik.enable=true]\n    ports:\n      - \"8080:8080\"\n", nil},
		{"the proxy found by its dashboard route", "services:\n  edge:\n    image: ghcr.io/example/edge:2\n    labels:\n      - traefik.http.routers.dash.service=api@internal\n    ports:\n      - \"8080:8080\"\n", nil},
		{"the proxy found by its command", "services:\n  edge:\n    image: ghcr.io/example/edge:2\n    command: [\"--providers.docker=true\", \"--api.dashboard=true\"]\n    labels: [traefik.enable=true]\n    ports:\n      - \"8080:8080\"\n", nil},
		{"other proxy images", "services:\n  lb:\n    image: haproxy:3.0\n    networks: [proxy]\n    ports:\n      - \"8404:8404\"\n  swag:\n    image: lscr.io/linuxserver/swag:2.11.0\n    networks: [proxy]\n    ports:\n      - \"81:81\"\nnetworks:\n  proxy:\n    external: true\n", nil},
		{"traefik.enable false", routedYAML("    labels:\n      - traefik.enable=false\n      - traefik.http.routers.app.rule=Host(`a`)\n", `"8080:80"`), nil},
		{"not routed", routedYAML("    labels:\n      - com.example.team=web\n", `"8080:80"`), nil},
		{"expose only", "services:\n  app:\n    image: ghcr.io/example/app:1.2\n    labels: [traefik.enable=true]\n    expose: [\"80\"]\n", nil},
		{"the proxy itself",
			"services:\n  traefik:\n    image: traefik:v3.1\n    labels: [traefik.enable=true]\n    ports:\n      - \"80:80\"\n      - \"443:443\"\n      - \"8080:8080\"\n",
			nil},
		{"a proxy found by its socket",
			"services:\n  edge:\n    image: ghcr.io/example/edge:2\n    labels: [traefik.enable=true]\n    ports: [\"80:80\", \"8080:8080\"]\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n",
			nil},
	})
}

func TestPortBypassesReverseProxyHostIPs(t *testing.T) {
	opts := DefaultOptions()
	opts.HostIPs = []string{"100.64.0.7"}
	y := routedYAML("    labels: [traefik.enable=true]\n", `"100.64.0.7:8080:80"`)
	if got := summarize(runRuleFiles(t, "port-bypasses-reverse-proxy", opts, map[string]string{"compose.yaml": y})); len(got) != 0 {
		t.Errorf("a configured interface is not a bypass: %v", got)
	}
	if got := summarize(runRuleFiles(t, "port-bypasses-reverse-proxy", DefaultOptions(), map[string]string{"compose.yaml": y})); len(got) != 1 {
		t.Errorf("an unconfigured interface is a bypass: %v", got)
	}
}
