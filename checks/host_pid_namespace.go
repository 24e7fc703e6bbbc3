package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:          "host-pid-namespace",
	Category:    HostIsolation,
	Severity:    High,
	SeverityWhy: "The container sees and signals every host process and, as root, reads their environments: secrets and a path to the host.",
	Title:       "Container shares the host's process namespace",
	Why:         "With the host's PID namespace the container sees and can signal every host process and read their environments.",
	Fix:         "Remove `pid: host`; use a dedicated monitoring agent only where it is really needed.",
	Run: func(c *Context) {
		checkHostNamespace(c, hostPID)
	},
})

// hostPID is the PID namespace, for the rules that ask whether a service
// uses the host's.
var hostPID = namespace{key: "pid", name: "PID", joinable: true,
	harm: "it can see and signal every host process and read their environments",
	mode: func(s types.ServiceConfig) string { return s.Pid }}
