package checks

var _ = register(&Rule{
	ID:          "healthcheck-missing",
	Category:    Operability,
	Severity:    Low,
	SeverityWhy: "Restarts and start order are blunter without a health signal; nothing is exposed.",
	Title:       "No healthcheck",
	Why:         "Without a health signal Docker cannot tell a hung service from a working one, and `depends_on: condition: service_healthy` cannot wait for it.",
	Fix:         "Add a `healthcheck` whose `test` probes the service (an HTTP endpoint, `pg_isready`, …).",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			hc := s.HealthCheck
			switch {
			case hc == nil:
				c.Report(Finding{Service: s.Name, KeyPath: "healthcheck",
					Message: "no healthcheck in the compose file (the image may declare one)"})
			case hc.Disable:
				// compose-go has already cast "true"/yes/on to a boolean.
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "healthcheck", "disable"), KeyPath: "healthcheck.disable",
					Message: "healthcheck disabled, also the image's"})
			case len(hc.Test) == 1 && hc.Test[0] == "NONE":
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "healthcheck", "test"), KeyPath: "healthcheck.test",
					Message: "healthcheck test NONE disables the healthcheck, also the image's"})
			}
		}
	},
})
