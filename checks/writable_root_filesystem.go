package checks

var _ = register(&Rule{
	ID:          "writable-root-filesystem",
	Category:    Hardening,
	Severity:    Medium,
	SeverityWhy: "An intruder can drop tools and change the image's files but stays in the container; a read-only root makes that harder, it does not stop an intrusion.",
	Title:       "Root filesystem is writable",
	Why:         "An intruder can drop and run payloads anywhere in the image filesystem, and changes survive restarts of the container.",
	Fix:         "Set `read_only: true` and give the service tmpfs or volumes for the paths it writes.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			if s.ReadOnly {
				continue
			}
			if vars := c.Unknown(s.Name, "read_only"); len(vars) > 0 {
				c.ReportUnknown(s.Name, c.Project.Where(s.Name, "read_only"), "read_only", vars)
				continue
			}
			l, ok := c.Project.Locate(s.Name, "read_only")
			if !ok {
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "read_only"), KeyPath: "read_only",
					Message: "read_only is not set: the root filesystem is writable"})
				continue
			}
			f := Finding{Service: s.Name, Pos: l.Pos, KeyPath: "read_only",
				Message: "read_only is false: the root filesystem is writable"}
			if l.Reset() {
				f.Message = "read_only is reset by an override: the root filesystem is writable"
			}
			c.Report(f)
		}
	},
})
