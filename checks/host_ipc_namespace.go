package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:          "host-ipc-namespace",
	Category:    HostIsolation,
	Severity:    Medium,
	SeverityWhy: "Host shared memory and semaphores become reachable: leaks and interference with host processes, not control of them.",
	Title:       "Container shares the host's IPC namespace",
	Why:         "With the host's IPC namespace, host shared memory and semaphores become readable and writable from the container.",
	Fix:         "Remove `ipc: host`; use `ipc: shareable` and `service:<name>` to share IPC between containers.",
	Run: func(c *Context) {
		checkHostNamespace(c, namespace{key: "ipc", name: "IPC", joinable: true,
			harm: "host shared memory and semaphores become reachable",
			mode: func(s types.ServiceConfig) string { return s.Ipc }})
	},
})
