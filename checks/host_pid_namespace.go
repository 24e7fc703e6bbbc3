package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:       "host-pid-namespace",
	Category: HostIsolation,
	Severity: High,
	Title:    "Container shares the host's process namespace",
	Why:      "With the host's PID namespace the container sees and can signal every host process and read their environments.",
	Fix:      "Remove `pid: host`; use a dedicated monitoring agent only where it is really needed.",
	Run: func(c *Context) {
		checkHostNamespace(c, namespace{key: "pid", name: "PID", joinable: true,
			harm: "it can see and signal every host process and read their environments",
			mode: func(s types.ServiceConfig) string { return s.Pid }})
	},
})
