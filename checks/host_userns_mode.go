package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:          "host-userns-mode",
	Category:    HostIsolation,
	Severity:    Medium,
	SeverityWhy: "It matters only where the daemon remaps users; there it makes container root host root again.",
	Title:       "Container opts out of user-namespace remapping",
	Why:         "`userns_mode: host` bypasses the daemon's user-namespace remapping, so root in the container is root on the host.",
	Fix:         "Remove `userns_mode: host` so the daemon's remapping applies.",
	Run: func(c *Context) {
		checkHostNamespace(c, namespace{key: "userns_mode", name: "user",
			harm: "user-namespace remapping is off, so root in the container is root on the host",
			mode: func(s types.ServiceConfig) string { return s.UserNSMode }})
	},
})
