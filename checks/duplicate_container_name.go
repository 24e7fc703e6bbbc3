package checks

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

var _ = register(&Rule{
	ID:       "duplicate-container-name",
	Category: Operability,
	Severity: High,
	Title:    "Container name used twice",
	Why:      "Container names are unique per Docker host: the second service with the same container_name cannot be created.",
	Fix:      "Give each service its own container_name, or drop container_name and let Compose name the containers.",
	Run: func(c *Context) {
		earlier := map[string][]types.ServiceConfig{} // container name → services using it
		for _, s := range servicesInFileOrder(c) {
			if s.ContainerName == "" || reportUnknownKeys(c, s.Name, "container_name") {
				continue
			}
			// The daemon accepts and strips a leading slash.
			name := strings.TrimPrefix(s.ContainerName, "/")
			for _, o := range earlier[name] {
				if canRunTogether(o, s) {
					c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "container_name"), KeyPath: "container_name",
						Message: "container_name " + name + " is also used by service " + o.Name + ": only one of them can be created"})
					break
				}
			}
			earlier[name] = append(earlier[name], s)
		}
	},
})
