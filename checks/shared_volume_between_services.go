package checks

import (
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
)

var _ = register(&Rule{
	ID:          "shared-volume-between-services",
	Category:    HostIsolation,
	Severity:    Info,
	SeverityWhy: "Sharing data is usually the design; it is listed so reviewers see who can plant files for whom.",
	Title:       "Volume shared between services",
	Why:         "One compromised service can plant files that another service executes or trusts.",
	Fix:         "Give each service its own volume, or mount the shared one read-only (`:ro`) everywhere but in the one writer.",
	Run: func(c *Context) {
		type use struct {
			service string
			pos     compose.Position
			ro      bool
		}
		uses := map[string][]use{}
		labels := map[string]string{}
		var order []string
		for _, s := range c.Services() {
			for _, m := range serviceMounts(c, s) {
				key, label := sharedKey(c, m)
				if key == "" {
					continue
				}
				if _, seen := uses[key]; !seen {
					order = append(order, key)
					labels[key] = label
				}
				uses[key] = append(uses[key], use{s.Name, m.at(c, "source"), m.RO})
			}
			for _, e := range s.VolumesFrom {
				from, ctr := volumesFromService(e)
				if ctr {
					from = "container " + from
				}
				c.Report(Finding{Service: s.Name, Pos: volumesFromPos(c, s.Name, e), KeyPath: "volumes_from",
					Message: "volumes_from shares every volume of " + from})
			}
		}
		for _, key := range order {
			var services, writers []string
			for _, u := range uses[key] {
				if !u.ro && !slices.Contains(writers, u.service) {
					writers = append(writers, u.service)
				}
				if !slices.Contains(services, u.service) {
					services = append(services, u.service)
				}
			}
			// Read-only everywhere: nobody can plant anything.
			if len(services) < 2 || len(writers) == 0 {
				continue
			}
			msg := labels[key] + " is mounted by " + strings.Join(services, ", ") + " and writable by " + strings.Join(writers, ", ")
			for _, u := range uses[key] {
				c.Report(Finding{Service: u.service, Pos: u.pos, KeyPath: "volumes", Message: msg})
			}
		}
	},
})

// sharedKey identifies what a mount shares: the host path (named volumes
// that are binds included), else the volume's real name, which two keys
// may share. A path with unknown variables is compared as written, so
// ${A}/x and ${B}/x are not taken for the same path.
func sharedKey(c *Context, m hostMount) (key, label string) {
	switch {
	case m.Host != "":
		return "path " + m.shown(), "host path " + m.shown()
	case m.Named != "":
		name := m.Named
		if v, ok := c.Project.Model.Volumes[m.Named]; ok && v.Name != "" {
			name = v.Name
		}
		return "volume " + name, "volume " + m.Named
	}
	return "", ""
}
