package checks

import (
	"strconv"
	"strings"
)

// labelTypes are the SELinux label options go-selinux accepts besides disable.
var labelTypes = map[string]bool{"user": true, "role": true, "type": true, "level": true, "filetype": true}

var _ = register(&Rule{
	ID:          "security-opt-invalid",
	Category:    Hardening,
	Severity:    Low,
	SeverityWhy: "The intended hardening silently does not apply; what is then missing has its own finding and severity.",
	Title:       "security_opt entry is invalid",
	Why:         "A mistyped security option either does nothing, silently leaving the hardening off, or stops the container from starting.",
	Fix:         "Write the entry as key=value with one of label, apparmor, seccomp, no-new-privileges, systempaths, writable-cgroups and no spaces.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			for _, o := range secOptItems(c, s.Name) {
				if len(o.Unknown) > 0 {
					c.ReportUnknown(s.Name, o.Pos, "security_opt", o.Unknown)
					continue
				}
				if msg := securityOptProblem(o.securityOpt); msg != "" {
					c.Report(Finding{Service: s.Name, Pos: o.Pos, KeyPath: "security_opt", Message: msg})
				}
			}
		}
	},
})

// securityOptProblem says what Compose, the daemon or go-selinux make of a
// broken entry; "" when it is valid.
func securityOptProblem(o securityOpt) string {
	q := strconv.Quote(o.Raw)
	switch {
	case o.Raw == "no-new-privileges":
		return ""
	case o.Sep == "":
		return q + " has no = separator: Compose refuses to start the container"
	case !knownSecOptKeys[o.Key]:
		return q + ": unknown option " + strconv.Quote(o.Key) + ", the daemon refuses to start the container"
	case o.Value == "":
		return q + " has no value"
	case strings.TrimSpace(o.Value) != o.Value:
		return q + " has a space around the value, which becomes part of it"
	}
	switch o.Key {
	case "no-new-privileges", "writable-cgroups":
		if _, err := strconv.ParseBool(o.Value); err != nil {
			return q + ": the daemon reads only true/false/1/0 here and refuses to start the container"
		}
	case "systempaths":
		if o.Raw != "systempaths=unconfined" {
			return q + ": Compose understands only systempaths=unconfined, the daemon refuses the rest"
		}
	case "label":
		typ, val, ok := strings.Cut(o.Value, ":")
		if o.Value != "disable" && (!ok || !labelTypes[typ] || val == "") {
			return q + ": not an SELinux label option (disable, or user:, role:, type:, level:, filetype: with a value), so it does nothing or fails on SELinux hosts"
		}
	}
	return ""
}
