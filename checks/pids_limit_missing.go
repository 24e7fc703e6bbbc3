package checks

var _ = register(&Rule{
	ID:          "pids-limit-missing",
	Category:    Operability,
	Severity:    Medium,
	SeverityWhy: "A fork bomb fills the host's process table and stops every service on it: an availability risk, not an intrusion.",
	Title:       "No PID limit",
	Why:         "Without a PID limit a fork bomb or a thread leak in one container exhausts the host's process table.",
	Fix:         "Set `pids_limit` (or `deploy.resources.limits.pids`) to a positive number, e.g. `200`; `0` and `-1` mean unlimited.",
	Run: func(c *Context) {
		limit := resourceLimit{
			what:       "PID",
			keys:       []string{"pids_limit", "deploy.resources.limits.pids"},
			missing:    "no PID limit: a fork bomb can exhaust the host's process table",
			serviceKey: "pids_limit",
		}
		for _, s := range c.Services() {
			// compose-go refuses the file when both keys are set and differ.
			if limit.unknown(c, s) || s.PidsLimit > 0 || (deployLimits(s) != nil && deployLimits(s).Pids > 0) {
				continue
			}
			limit.reportMissing(c, s)
		}
	},
})
