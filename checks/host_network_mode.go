package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:          "host-network-mode",
	Category:    HostIsolation,
	Severity:    High,
	SeverityWhy: "The container listens on every host interface with no `ports:` filter and reaches services bound to the host's loopback.",
	Title:       "Container shares the host's network",
	Why:         "A host-network container can listen on every host interface directly: `ports:` no longer limits what is exposed and firewall assumptions break.",
	Fix:         "Remove `network_mode: host` and publish only the ports the service needs, on a user-defined network.",
	Run: func(c *Context) {
		checkHostNamespace(c, hostNetwork)
	},
})

// hostNetwork is the network namespace, for the rules that ask whether a
// service uses the host's.
var hostNetwork = namespace{key: "network_mode", name: "network", joinable: true,
	harm: "it can listen on every host interface, and `ports:` no longer limits what is exposed",
	mode: func(s types.ServiceConfig) string { return s.NetworkMode }}
