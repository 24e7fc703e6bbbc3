package checks

var _ = register(&Rule{
	ID:          "memory-limit-missing",
	Category:    Operability,
	Severity:    Medium,
	SeverityWhy: "One leak pushes the host into the OOM killer, which may pick any process: an availability risk for every service on the host.",
	Title:       "No memory limit",
	Why:         "Without a memory limit one leaking service can use all the host's RAM and take every other service down with it.",
	Fix:         "Set `deploy.resources.limits.memory` (or `mem_limit`) to what the service needs, e.g. `512M`.",
	Run: func(c *Context) {
		limit := resourceLimit{
			what:         "memory",
			keys:         []string{"mem_limit", "deploy.resources.limits.memory"},
			missing:      "no memory limit: a leak can exhaust the host's RAM",
			deployKey:    "memory",
			serviceKey:   "mem_limit",
			preferDeploy: true,
		}
		for _, s := range c.Services() {
			// compose-go refuses the file when both keys are set and differ.
			if limit.unknown(c, s) || s.MemLimit > 0 || (deployLimits(s) != nil && deployLimits(s).MemoryBytes > 0) {
				continue
			}
			if s.OomKillDisable {
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "oom_kill_disable"), KeyPath: "oom_kill_disable",
					Message: "OOM killer disabled with no memory limit: the host kernel kills other processes instead"})
				continue
			}
			limit.reportMissing(c, s)
		}
	},
})
