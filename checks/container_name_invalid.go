package checks

import "regexp"

// validContainerName is the daemon's rule for container names.
var validContainerName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

var _ = register(&Rule{
	ID:          "container-name-invalid",
	Category:    Operability,
	Severity:    Medium,
	SeverityWhy: "The service never starts, which `docker compose up` shows at once; nothing is exposed.",
	Title:       "Container name Docker rejects",
	Why:         "Docker refuses to create a container whose name is not at least two letters, digits, `_`, `.` or `-` starting with a letter or digit, so the service never starts.",
	Fix:         "Rename it to match `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, or drop container_name and let Compose name it.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			p, vars := containerName(c, s)
			pos := c.Project.Where(s.Name, "container_name")
			// An unset variable is empty; a set one is most likely a word.
			unset, set := validContainerName.MatchString(p.fill("")), validContainerName.MatchString(p.fill("ab"))
			switch {
			case s.ContainerName == "" && len(vars) == 0, unset && set:
			case unset != set:
				c.ReportUnknown(s.Name, pos, "container_name", vars)
			default:
				c.Report(Finding{Service: s.Name, Pos: pos, KeyPath: "container_name",
					Message: "Docker rejects this container_name: it must start with a letter or digit and use only letters, digits, _, . and -"})
			}
		}
	},
})
