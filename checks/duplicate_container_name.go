package checks

import "github.com/compose-spec/compose-go/v2/types"

var _ = register(&Rule{
	ID:          "duplicate-container-name",
	Category:    Operability,
	Severity:    Medium,
	SeverityWhy: "The second container fails to start, which `docker compose up` reports at once; no security impact.",
	Title:       "Container name used twice",
	Why:         "Container names are unique per Docker host: the second service with the same container_name cannot be created.",
	Fix:         "Give each service its own container_name, or drop container_name and let Compose name the containers.",
	Run: func(c *Context) {
		type named struct {
			types.ServiceConfig
			name    namePattern
			unknown []string
		}
		var all []named
		for _, s := range servicesInFileOrder(c) {
			if s.ContainerName != "" || len(c.Unknown(s.Name, "container_name")) > 0 {
				p, vars := containerName(c, s)
				all = append(all, named{s, p, vars})
			}
		}
		for i, s := range all {
			pos := c.Project.Where(s.Name, "container_name")
			for j, o := range all {
				if i == j || !canRunTogether(o.ServiceConfig, s.ServiceConfig) || !s.name.mayEqual(o.name) {
					continue
				}
				if len(s.unknown) > 0 || len(o.unknown) > 0 {
					// only the names that some value could make clash
					if len(s.unknown) > 0 {
						c.ReportUnknown(s.Name, pos, "container_name", s.unknown)
						break
					}
					continue
				}
				if j < i {
					c.Report(Finding{Service: s.Name, Pos: pos, KeyPath: "container_name",
						Message: "container_name " + s.name.fill("") + " is also used by service " + o.Name + ": only one of them can be created"})
					break
				}
			}
		}
	},
})
