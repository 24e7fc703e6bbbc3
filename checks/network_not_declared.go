package checks

var _ = register(&Rule{
	ID:          "network-not-declared",
	Category:    Network,
	Severity:    Low,
	SeverityWhy: "The default network only joins the project's own services; naming networks documents who talks to whom, the exposure is small.",
	Title:       "Service network not declared",
	Why:         "Without explicit networks every service shares one network, and the legacy bridge shares traffic with every other container on the host.",
	Fix:         "Declare named networks (for example frontend and backend) and list under `networks:` only those the service needs.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			pos := c.Project.Where(s.Name, "network_mode")
			if vars := c.Unknown(s.Name, "network_mode"); len(vars) > 0 {
				c.ReportUnknown(s.Name, pos, "network_mode", vars)
				continue
			}
			switch s.NetworkMode {
			case "bridge", "default":
				c.Report(Finding{Service: s.Name, Pos: pos, KeyPath: "network_mode",
					Message: "network_mode: " + s.NetworkMode + " puts it on the legacy docker0 bridge, shared with every container started without a network"})
			case "":
				if !networksWritten(c, s.Name) {
					c.Report(Finding{Service: s.Name, KeyPath: "networks",
						Message: "no networks: it joins the project's default network with every other service that declares none"})
				}
			}
		}
	},
})

// networksWritten reports whether some file lists networks for the service:
// compose-go puts the implicit default network in the model either way.
func networksWritten(c *Context, service string) bool {
	for _, l := range c.Project.LocateAll(service, "networks") {
		if l.Reset() {
			return false
		}
		if len(l.Value.Content) > 0 {
			return true
		}
	}
	return false
}
