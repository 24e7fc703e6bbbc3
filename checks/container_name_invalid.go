package checks

import (
	"regexp"
	"strings"
)

// validContainerName is the daemon's rule for container names.
var validContainerName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

var _ = register(&Rule{
	ID:       "container-name-invalid",
	Category: Operability,
	Severity: Medium,
	Title:    "Container name Docker rejects",
	Why:      "Docker refuses to create a container whose name is not at least two letters, digits, `_`, `.` or `-` starting with a letter or digit, so the service never starts.",
	Fix:      "Rename it to match `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, or drop container_name and let Compose name it.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			if s.ContainerName == "" || reportUnknownKeys(c, s.Name, "container_name") {
				continue
			}
			// The daemon strips one leading slash before checking.
			if !validContainerName.MatchString(strings.TrimPrefix(s.ContainerName, "/")) {
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "container_name"), KeyPath: "container_name",
					Message: "Docker rejects this container_name: it must start with a letter or digit and use only letters, digits, _, . and -"})
			}
		}
	},
})
