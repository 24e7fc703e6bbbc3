package checks

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
)

var _ = register(&Rule{
	ID:          "port-bypasses-reverse-proxy",
	Category:    Network,
	Severity:    Medium,
	SeverityWhy: "The app is reachable without the proxy's TLS and access rules, but its own authentication still applies; ports the proxy cannot carry (DNS, mail, UDP) are not counted.",
	Title:       "Service routed by the reverse proxy also publishes a port",
	Why:         "The app is reachable directly, without the proxy's TLS, authentication and rate limits.",
	Fix:         "Remove the published port (the proxy reaches the container over the shared network), or bind it to 127.0.0.1 for local access.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			route := proxyRoute(c, s)
			if route == "" || isReverseProxy(s) {
				continue
			}
			done := map[compose.Position]bool{}
			for _, p := range servicePorts(c, s) {
				switch {
				case done[p.Pos]:
				case len(p.IPVars) > 0:
					done[p.Pos] = true
					c.ReportUnknown(s.Name, p.Pos, "ports", p.IPVars)
				case !directIP(c, p.HostIP) || proxyCannotCarry(s, p):
				case len(p.PortVars) > 0:
					done[p.Pos] = true
					c.ReportUnknown(s.Name, p.Pos, "ports", p.PortVars)
				case !proxyPortsOnly(c, p):
					done[p.Pos] = true
					c.Report(Finding{Service: s.Name, Pos: p.Pos, KeyPath: "ports",
						Message: "routed by the reverse proxy (" + route + ") but also publishes " + p.describe() + " directly"})
				}
			}
		}
	},
})

// directProtocols are container ports whose protocol an HTTP(S) reverse
// proxy cannot carry: clients must reach them directly, so publishing them
// is no way around the proxy (DNS, mail, SSH, databases, file sharing,
// VPN, media streaming, game servers).
var directProtocols = map[uint32]bool{
	20: true, 21: true, 22: true, 25: true, 53: true, 110: true, 139: true, 143: true, 389: true, 445: true,
	465: true, 554: true, 587: true, 636: true, 873: true, 993: true, 995: true, 1194: true, 1433: true,
	1883: true, 1935: true, 2049: true, 3306: true, 3389: true, 3478: true, 3890: true, 4190: true, 5060: true,
	5061: true, 5222: true, 5269: true, 5349: true, 5432: true, 5672: true, 5900: true, 6379: true, 6667: true,
	6697: true, 6881: true, 8883: true, 9042: true, 9092: true, 11211: true, 22000: true, 25565: true,
	27015: true, 27017: true, 30120: true, 64738: true,
}

// proxyCannotCarry reports whether a published port carries what the web
// proxy in front of the service cannot: UDP (unless Traefik has UDP routers
// for the service) or a protocol of directProtocols (unless it has TCP
// routers, which carry any TCP).
func proxyCannotCarry(s types.ServiceConfig, p publishedPort) bool {
	if len(p.TargetVars) > 0 {
		return false
	}
	if strings.EqualFold(p.Protocol, "udp") {
		return !hasLabelPrefix(s, "traefik.udp.routers.")
	}
	return directProtocols[p.Target] && !hasLabelPrefix(s, "traefik.tcp.routers.")
}

func hasLabelPrefix(s types.ServiceConfig, prefix string) bool {
	for k := range s.Labels {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
