package checks

import "strings"

var _ = register(&Rule{
	ID:          "capabilities-not-dropped",
	Category:    Hardening,
	Severity:    Medium,
	SeverityWhy: "Every container gets the 14 default capabilities; dropping them narrows what an intruder can do once inside, keeping them opens nothing by itself.",
	Title:       "Default capabilities are not dropped",
	Why:         "Docker keeps 14 capabilities (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW…) that most services never use and an intruder can.",
	Fix:         "Add `cap_drop: [ALL]` and `cap_add` back only what the service needs.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			// privileged-container covers these: they get every capability.
			if s.Privileged || dropsAll(s.CapDrop) {
				continue
			}
			if vars := c.Unknown(s.Name, "cap_drop"); len(vars) > 0 {
				c.ReportUnknown(s.Name, c.Project.Where(s.Name, "cap_drop"), "cap_drop", vars)
				continue
			}
			msg := "cap_drop does not drop ALL: Docker's default capabilities stay"
			if len(s.CapDrop) == 0 {
				msg = "no cap_drop: Docker's 14 default capabilities stay"
			}
			c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "cap_drop"), KeyPath: "cap_drop", Message: msg})
		}
	},
})

// dropsAll reports whether cap_drop holds the ALL wildcard (CAP_ALL is no
// wildcard: the daemon rejects it as an unknown capability).
func dropsAll(caps []string) bool {
	for _, cp := range caps {
		if strings.EqualFold(strings.TrimSpace(cp), "ALL") {
			return true
		}
	}
	return false
}
