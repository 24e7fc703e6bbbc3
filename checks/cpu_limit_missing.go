package checks

var _ = register(&Rule{
	ID:          "cpu-limit-missing",
	Category:    Operability,
	Severity:    Low,
	SeverityWhy: "A busy service slows its neighbours but takes nothing from them for good; memory and PIDs are the limits that keep a host up.",
	Title:       "No CPU limit",
	Why:         "Without a CPU limit one busy or runaway service can starve every other service on the host.",
	Fix:         "Set `deploy.resources.limits.cpus` (or `cpus`) to the share the service needs, e.g. `\"1.0\"`; `cpu_shares` is only a priority.",
	Run: func(c *Context) {
		limit := resourceLimit{
			what:         "CPU",
			keys:         []string{"cpus", "deploy.resources.limits.cpus", "cpu_quota", "cpu_period"},
			missing:      "no CPU limit: a busy service can starve the others",
			deployKey:    "cpus",
			serviceKey:   "cpus",
			preferDeploy: true,
		}
		for _, s := range c.Services() {
			if limit.unknown(c, s) {
				continue
			}
			// compose-go refuses the file when cpus and the deploy limit differ.
			nano := s.CPUS > 0 || (deployLimits(s) != nil && deployLimits(s).NanoCPUs > 0)
			if nano && (s.CPUQuota > 0 || s.CPUPeriod > 0) {
				// The daemon refuses NanoCPUs together with a CFS quota or period.
				w, _ := firstWritten(c, s.Name, "cpu_quota", "cpu_period")
				c.Report(Finding{Service: s.Name, Pos: w.Pos, KeyPath: w.Path, Severity: Medium,
					Message: "cpus and cpu_quota/cpu_period are both set: Docker refuses to start the container"})
				continue
			}
			// cpu_quota alone limits: the CFS period defaults to 100ms.
			if nano || s.CPUQuota > 0 {
				continue
			}
			limit.reportMissing(c, s)
		}
	},
})
