package checks

import "github.com/composeguard/composeguard/app/compose"

var _ = register(&Rule{
	ID:       "port-bypasses-reverse-proxy",
	Category: Network,
	Severity: High,
	Title:    "Service routed by the reverse proxy also publishes a port",
	Why:      "The app is reachable directly, without the proxy's TLS, authentication and rate limits.",
	Fix:      "Remove the published port (the proxy reaches the container over the shared network), or bind it to 127.0.0.1 for local access.",
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
				case !directIP(c, p.HostIP):
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
