package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:          "host-uts-namespace",
	Category:    HostIsolation,
	Severity:    Low,
	SeverityWhy: "The container can rename the host: confusing, not a way in.",
	Title:       "Container shares the host's UTS namespace",
	Why:         "With the host's UTS namespace the container can change the host's hostname.",
	Fix:         "Remove `uts: host`; set `hostname:` if the service needs a particular name.",
	Run: func(c *Context) {
		// Docker accepts only "host" here: no service: or container: joins.
		checkHostNamespace(c, namespace{key: "uts", name: "UTS",
			harm: "it can change the host's hostname",
			mode: func(s types.ServiceConfig) string { return s.Uts }})
	},
})
