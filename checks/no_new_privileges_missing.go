package checks

import (
	"strconv"
)

var _ = register(&Rule{
	ID:          "no-new-privileges-missing",
	Category:    Hardening,
	Severity:    Medium,
	SeverityWhy: "Without it a setuid binary can raise a process to root inside the container, which is still confined; it narrows what an intruder gains, and nearly every service lacks it, so it is reported without failing the gate.",
	Title:       "no-new-privileges is not set",
	Why:         "Without it, setuid binaries and file capabilities let a process inside the container gain privileges after exec.",
	Fix:         "Add `no-new-privileges:true` under `security_opt`.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			// The daemon applies security_opt in order: the last entry that
			// sets no-new-privileges wins, over the daemon-wide default too.
			last, set := securityOpt{}, false
			for _, o := range securityOpts(s.SecurityOpt) {
				if o.Key == "no-new-privileges" {
					last, set = o, true
				}
			}
			on, err := strconv.ParseBool(last.Value)
			if (set && on) || (!set && c.Options.DaemonNoNewPrivileges) {
				continue
			}
			items := secOptItems(c, s.Name)
			if o, ok := firstUnknown(items, "no-new-privileges"); ok {
				c.ReportUnknown(s.Name, o.Pos, "security_opt", o.Unknown)
				continue
			}
			if set && err != nil {
				continue // security-opt-invalid: the container does not start
			}
			if !set {
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "security_opt"), KeyPath: "security_opt",
					Message: "no-new-privileges is not set: setuid binaries can raise privileges"})
				continue
			}
			// Items come strongest file first: the first match is the one in
			// effect.
			f := Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "security_opt"), KeyPath: "security_opt",
				Message: "no-new-privileges is turned off: setuid binaries can raise privileges"}
			for _, o := range items {
				if o.Raw == last.Raw {
					f.Pos = o.Pos
					break
				}
			}
			c.Report(f)
		}
	},
})
