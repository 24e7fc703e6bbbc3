package checks

import (
	"strconv"
	"strings"
)

var _ = register(&Rule{
	ID:          "runs-as-root",
	Category:    Hardening,
	Severity:    Medium,
	SeverityWhy: "Container root becomes host root only through an escape or a host mount: an explicit root user is medium, an unset one info because most images choose their own user.",
	Title:       "Service runs as root",
	Why:         "A process that escapes the container as UID 0 is root on the host unless user-namespace remapping is on.",
	Fix:         "Set `user:` to an unprivileged UID:GID the image supports, e.g. `user: \"1000:1000\"`.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			pos := c.Project.Where(s.Name, "user")
			if vars := c.Unknown(s.Name, "user"); len(vars) > 0 {
				c.ReportUnknown(s.Name, pos, "user", vars)
				continue
			}
			name, _, _ := strings.Cut(strings.TrimSpace(s.User), ":")
			switch {
			case name == "":
				c.Report(Finding{Service: s.Name, Pos: pos, KeyPath: "user", Severity: Info,
					Message: "no user: runs as the image's default user, often root"})
			case isRootUser(name):
				c.Report(Finding{Service: s.Name, Pos: pos, KeyPath: "user", Message: "runs as root (user " + strconv.Quote(s.User) + ")"})
			}
		}
	},
})

// isRootUser reports whether the user part of `user:` is root: the name, or
// a UID the runtime reads as 0 (0, 00).
func isRootUser(name string) bool {
	uid, err := strconv.Atoi(name)
	return name == "root" || (err == nil && uid == 0)
}
