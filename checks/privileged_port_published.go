package checks

import (
	"fmt"
	"slices"

	"github.com/composeguard/composeguard/app/compose"
)

var _ = register(&Rule{
	ID:          "privileged-port-published",
	Category:    Network,
	Severity:    Info,
	SeverityWhy: "The daemon binds the port, not the container, so a low port grants nothing: a review signal only.",
	Title:       "Privileged port published",
	Why:         "A host port below 1024 is usually a well-known service port (CIS 5.8); the daemon binds it, so this is a review signal, not a privilege.",
	Fix:         "Publish a port above 1024 unless the service must answer on its well-known port, or add the port to proxy_ports.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			done := map[compose.Position]bool{}
			for _, p := range servicePorts(c, s) {
				if done[p.Pos] {
					continue
				}
				vars := p.PortVars
				if c.Options.PrivilegedContainerPorts {
					vars = append(slices.Clip(vars), p.TargetVars...)
				}
				if len(vars) > 0 {
					done[p.Pos] = true
					c.ReportUnknown(s.Name, p.Pos, "ports", vars)
					continue
				}
				if msg := privilegedPort(c, p); msg != "" {
					done[p.Pos] = true
					c.Report(Finding{Service: s.Name, Pos: p.Pos, KeyPath: "ports", Message: msg})
				}
			}
		}
	},
})

// privilegedPort describes the first port below 1024 that p publishes and
// the allow-list does not cover, "" when there is none.
func privilegedPort(c *Context, p publishedPort) string {
	if lo, hi, ok := p.hostRange(); ok {
		for port := lo; port <= min(hi, 1023); port++ {
			if !slices.Contains(c.Options.ProxyPorts, port) {
				return fmt.Sprintf("publishes host port %d, below 1024", port)
			}
		}
	}
	if c.Options.PrivilegedContainerPorts && p.Target < 1024 && !slices.Contains(c.Options.ProxyPorts, int(p.Target)) {
		return fmt.Sprintf("publishes container port %d, below 1024", p.Target)
	}
	return ""
}
