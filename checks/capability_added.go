package checks

import "strings"

// escapeCapabilities are the additions that open a way out of the container
// or into the host's kernel, network or other processes.
var escapeCapabilities = map[string]bool{
	"ALL": true, "CAP_SYS_ADMIN": true, "CAP_SYS_MODULE": true, "CAP_SYS_PTRACE": true, "CAP_SYS_RAWIO": true,
	"CAP_DAC_READ_SEARCH": true, "CAP_BPF": true, "CAP_NET_ADMIN": true,
}

var _ = register(&Rule{
	ID:       "capability-added",
	Category: Hardening,
	Severity: Medium,
	Title:    "Capability added beyond Docker's default set",
	Why:      "Each added capability is kernel attack surface; SYS_ADMIN, SYS_PTRACE, SYS_MODULE and the like are container-escape primitives.",
	Fix:      "Remove the capability from `cap_add`, or confirm the service needs it and document why.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			for _, it := range writtenItems(c, s.Name, "cap_add") {
				if len(it.Unknown) > 0 {
					c.ReportUnknown(s.Name, it.Pos, "cap_add", it.Unknown)
					continue
				}
				// Re-adding a default after cap_drop: [ALL] is the recommended pattern.
				name := capability(it.Text)
				if defaultCapabilities[name] {
					continue
				}
				f := Finding{Service: s.Name, Pos: it.Pos, KeyPath: "cap_add",
					Message: "adds " + strings.TrimPrefix(name, "CAP_") + ", outside Docker's default set"}
				switch {
				case name == "ALL":
					f.Severity, f.Message = High, "adds ALL capabilities: close to privileged"
				case escapeCapabilities[name]:
					f.Severity, f.Message = High, "adds "+strings.TrimPrefix(name, "CAP_")+", a container-escape primitive"
				}
				c.Report(f)
			}
		}
	},
})
