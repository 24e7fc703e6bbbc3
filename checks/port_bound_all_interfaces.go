package checks

import "github.com/composeguard/composeguard/app/compose"

var _ = register(&Rule{
	ID:          "port-bound-all-interfaces",
	Category:    Network,
	Severity:    Medium,
	SeverityWhy: "Docker opens the port past the host firewall on every interface; how much that matters depends on the network the host is in.",
	Title:       "Port published on every interface",
	Why:         "Docker's rules for published ports run before UFW or firewalld, so a port bound to every interface is open to the network even when the firewall says closed.",
	Fix:         "Bind the port to 127.0.0.1 (\"127.0.0.1:8080:80\", or host_ip in the long syntax) or to one interface, and reach the service through the reverse proxy.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			done := map[compose.Position]bool{}
			for _, p := range servicePorts(c, s) {
				switch {
				case done[p.Pos]:
				case len(p.IPVars) > 0:
					done[p.Pos] = true
					c.ReportUnknown(s.Name, p.Pos, "ports", p.IPVars)
				case isReverseProxy(s) && proxyPortsOnly(c, p):
					// the proxy's own entry points (80, 443) are meant to be public
				case isWildcard(p.HostIP):
					done[p.Pos] = true
					c.Report(Finding{Service: s.Name, Pos: p.Pos, KeyPath: "ports",
						Message: "publishes " + p.describe() + " on every interface, past the host firewall"})
				}
			}
		}
	},
})
