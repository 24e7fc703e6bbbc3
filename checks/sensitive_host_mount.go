package checks

import (
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// sensitiveDirs hold host configuration, credentials, binaries, kernel
// interfaces or the engine's own state; Options.SensitivePaths adds more.
var sensitiveDirs = []string{"/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/lib", "/lib64", "/usr",
	"/bin", "/sbin", "/var/lib/docker", "/var/lib/containerd", "/run", "/var/run"}

var _ = register(&Rule{
	ID:       "sensitive-host-mount",
	Category: HostIsolation,
	Severity: High,
	Title:    "Sensitive host directory mounted",
	Why:      "Host configuration, credentials, binaries or kernel interfaces become readable, or writable, from the container.",
	Fix:      "Mount only the file or subdirectory the service needs, read-only (`:ro`), or copy it into a named volume.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			for _, m := range serviceMounts(c, s) {
				if isEngineSocket(m.shown()) {
					continue // docker-socket-mount says it better
				}
				dir := sensitiveDir(m.knownDir(), c.Options.SensitivePaths)
				if dir == "" {
					if len(m.HostVars) > 0 && sensitiveMayDepend(m.RawHost, c.Options.SensitivePaths) {
						c.ReportUnknown(s.Name, m.at(c, "source"), "volumes", m.HostVars)
					}
					continue
				}
				f := Finding{Service: s.Name, Pos: m.at(c, "source"), KeyPath: "volumes", Severity: High,
					Message: "mounts host " + m.shown() + " read-write: the container can change the host's " + dir}
				if m.RO {
					f.Severity = Medium
					f.Message = "mounts host " + m.shown() + " read-only: the container can read the host's " + dir
				} else {
					f.Suggestion = readOnlyLine(c, m)
				}
				if m.Named != "" {
					f.Message = "volume " + m.Named + " " + f.Message
				}
				c.Report(f)
			}
		}
	},
})

// sensitiveDir returns the sensitive directory an absolute host path is, or
// lies under by whole segments, "" when none; "/" itself only matches "/".
func sensitiveDir(host string, extra []string) string {
	if !strings.HasPrefix(host, "/") {
		return ""
	}
	if host == "/" {
		return "/"
	}
	for _, d := range append(sensitiveDirs, extra...) {
		if d = path.Clean(d); d != "/" && underPath(host, d) {
			return d
		}
	}
	return ""
}

// sensitiveMayDepend reports whether unknown variables in a host path could
// make it sensitive: the text before the first variable could still grow
// into a sensitive directory (${DATA}/x, /${X}, /var/lib/${X}, not ./${X}
// or /srv/${X}).
func sensitiveMayDepend(raw string, extra []string) bool {
	prefix, _, _ := strings.Cut(raw, "$")
	for _, d := range append([]string{"/"}, append(sensitiveDirs, extra...)...) {
		if strings.HasPrefix(path.Clean(d), prefix) {
			return true
		}
	}
	return false
}

// readOnlyLine is the item's line with `:ro` added, for a short item that
// has no mode list yet; "" otherwise.
func readOnlyLine(c *Context, m hostMount) string {
	if m.item == nil || m.Named != "" || m.item.Kind != yaml.ScalarNode || shortMode(m.item.Value) != "" {
		return ""
	}
	line := c.Project.Line(m.at(c))
	if strings.Count(line, m.item.Value) != 1 {
		return ""
	}
	return strings.Replace(line, m.item.Value, m.item.Value+":ro", 1)
}
