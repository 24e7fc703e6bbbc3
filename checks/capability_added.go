package checks

import "strings"

// escapeCapabilities are the additions that open a way out of the
// container into the host's kernel or files whatever its namespaces.
var escapeCapabilities = map[string]bool{
	"CAP_SYS_ADMIN": true, "CAP_SYS_MODULE": true, "CAP_SYS_RAWIO": true, "CAP_DAC_READ_SEARCH": true, "CAP_BPF": true,
}

// hostReach are capabilities that act on the container's own namespace:
// they reach the host only when it shares the host's (NET_ADMIN changes the
// host's firewall and routes under network_mode: host, SYS_PTRACE traces
// host processes under pid: host). VPN and debugging containers add them
// for their own use.
var hostReach = map[string]struct {
	ns        namespace
	own, host string
}{
	"CAP_NET_ADMIN":  {hostNetwork, "it can reconfigure the container's own network (firewall, routes, interfaces)", "with the host's network it can change the host's firewall, routes and interfaces"},
	"CAP_SYS_PTRACE": {hostPID, "it can trace the container's own processes", "with the host's PID namespace it can trace and inject code into every host process"},
}

var _ = register(&Rule{
	ID:          "capability-added",
	Category:    Hardening,
	Severity:    Medium,
	SeverityWhy: "Most added capabilities widen the kernel surface a little (medium); SYS_ADMIN, SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH, BPF and ALL have known escapes, and NET_ADMIN and SYS_PTRACE reach the host when the service shares its network or processes: those are high.",
	Title:       "Capability added beyond Docker's default set",
	Why:         "Each added capability is kernel attack surface; SYS_ADMIN, SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH and BPF are container-escape primitives, NET_ADMIN and SYS_PTRACE reach the host when it shares its network or processes.",
	Fix:         "Remove the capability from `cap_add`, or confirm the service needs it and document why.",
	Run: func(c *Context) {
		g := newNamespaceGraph(c)
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
				case hostReach[name].own != "":
					r := hostReach[name]
					f.Message = "adds " + strings.TrimPrefix(name, "CAP_") + ": " + r.own
					if host, _, _ := g.follow(r.ns, s); host {
						f.Severity, f.Message = High, "adds "+strings.TrimPrefix(name, "CAP_")+": "+r.host
					}
				}
				c.Report(f)
			}
		}
	},
})
