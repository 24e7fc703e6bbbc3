package checks

var _ = register(&Rule{
	ID:          "privileged-container",
	Category:    HostIsolation,
	Severity:    Critical,
	SeverityWhy: "All capabilities, all devices and no confinement: root in the container is root on the host.",
	Title:       "Container runs privileged",
	Why:         "A privileged container gets every capability and device and no seccomp or AppArmor profile: it is root on the host.",
	Fix:         "Remove `privileged: true` and add only the capabilities or devices the service needs.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			// compose-go has already cast true/"true"/yes/on to a boolean.
			if s.Privileged {
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "privileged"), KeyPath: "privileged",
					Message: "runs privileged: root on the host"})
				continue
			}
			if vars := c.Unknown(s.Name, "privileged"); len(vars) > 0 {
				c.ReportUnknown(s.Name, c.Project.Where(s.Name, "privileged"), "privileged", vars)
			}
		}
	},
})
