package checks

import "fmt"

var _ = register(&Rule{
	ID:          "custom-cgroup-parent",
	Category:    HostIsolation,
	Severity:    Low,
	SeverityWhy: "A deliberate setting whose risk is limits not applying as expected; it exposes nothing directly.",
	Title:       "Container runs under a custom parent cgroup",
	Why:         "A custom cgroup_parent moves the container out of Docker's cgroup, so limits and accounting may not apply as expected.",
	Fix:         "Remove `cgroup_parent` unless the host's cgroup layout is managed on purpose.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			pos := c.Project.Where(s.Name, "cgroup_parent")
			if vars := strongestUnknown(c, s.Name, "cgroup_parent"); len(vars) > 0 {
				c.ReportUnknown(s.Name, pos, "cgroup_parent", vars)
				continue
			}
			if s.CgroupParent != "" {
				c.Report(Finding{Service: s.Name, Pos: pos, KeyPath: "cgroup_parent",
					Message: fmt.Sprintf("runs under parent cgroup %q, outside Docker's own: limits may not apply as expected", s.CgroupParent)})
			}
		}
	},
})
