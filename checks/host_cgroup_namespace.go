package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:          "host-cgroup-namespace",
	Category:    HostIsolation,
	Severity:    Medium,
	SeverityWhy: "The host's cgroup tree becomes visible: information and a step toward escape with other settings, not an escape alone.",
	Title:       "Container shares the host's cgroup namespace",
	Why:         "With the host's cgroup namespace the container sees the host's whole cgroup tree and every other container in it.",
	Fix:         "Remove `cgroup: host` (or set `cgroup: private`).",
	Run: func(c *Context) {
		checkHostNamespace(c, namespace{key: "cgroup", name: "cgroup",
			harm: "the host's cgroup tree is visible inside the container",
			mode: func(s types.ServiceConfig) string { return s.Cgroup }})
	},
})
