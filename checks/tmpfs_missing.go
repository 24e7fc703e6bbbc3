package checks

import (
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

var _ = register(&Rule{
	ID:          "tmpfs-missing",
	Category:    Hardening,
	Severity:    Low,
	SeverityWhy: "Scratch files land in the container layer or the app fails on a read-only root: operability, not exposure.",
	Title:       "No tmpfs for /tmp and /run",
	Why:         "Services still need scratch space; without tmpfs it lands in the image layer or the app fails on a read-only root.",
	Fix:         "Add `tmpfs: [/tmp, /run]` to the service.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			if !s.ReadOnly && !c.Options.TmpfsEveryService {
				continue
			}
			missing := scratchMissing(s)
			if len(missing) == 0 {
				continue
			}
			if vars := c.Unknown(s.Name, "tmpfs"); len(vars) > 0 {
				c.ReportUnknown(s.Name, c.Project.Where(s.Name, "tmpfs"), "tmpfs", vars)
				continue
			}
			c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "tmpfs"), KeyPath: "tmpfs",
				Message: "no tmpfs for " + strings.Join(missing, " and ") + ": scratch files go to the image layer or fail"})
		}
	},
})

// scratchMissing lists which of /tmp and /run (or /var/run) have neither a
// tmpfs nor a named volume mounted on them.
func scratchMissing(s types.ServiceConfig) []string {
	mounted := map[string]bool{}
	for _, t := range s.Tmpfs {
		p, _, _ := strings.Cut(t, ":")
		mounted[path.Clean(strings.TrimSpace(p))] = true
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeTmpfs || v.Type == types.VolumeTypeVolume {
			mounted[path.Clean(v.Target)] = true
		}
	}
	var missing []string
	if !mounted["/tmp"] {
		missing = append(missing, "/tmp")
	}
	if !mounted["/run"] && !mounted["/var/run"] {
		missing = append(missing, "/run")
	}
	return missing
}
