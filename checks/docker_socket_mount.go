package checks

import (
	"path"
	"strings"
)

var _ = register(&Rule{
	ID:          "docker-socket-mount",
	Category:    HostIsolation,
	Severity:    Critical,
	SeverityWhy: "The engine API starts privileged containers on request: whoever controls the service controls the host, read-only mount or not.",
	Title:       "Container engine API socket mounted",
	Why:         "Whoever reaches the Docker, Podman or containerd API can start a privileged container: root on the host, even through a read-only mount.",
	Fix:         "Remove the socket mount, or give the service a socket proxy that allows only the API calls it needs.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			// use_api_socket takes only a literal boolean: no variable to judge.
			if s.UseAPISocket {
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "use_api_socket"), KeyPath: "use_api_socket",
					Message: "use_api_socket mounts the Docker API socket: full control of the daemon"})
			}
			for _, m := range serviceMounts(c, s) {
				if msg := socketMessage(m); msg != "" {
					c.Report(Finding{Service: s.Name, Pos: m.at(c, "source"), KeyPath: "volumes", Message: msg})
				} else if len(m.HostVars) > 0 && socketMayDepend(m) {
					c.ReportUnknown(s.Name, m.at(c, "source"), "volumes", m.HostVars)
				}
			}
			for _, e := range s.VolumesFrom {
				if from, ctr := volumesFromService(e); !ctr && exposesSocket(c, from, map[string]bool{s.Name: true}) {
					c.Report(Finding{Service: s.Name, Pos: volumesFromPos(c, s.Name, e), KeyPath: "volumes_from",
						Message: "volumes_from " + from + " inherits its container engine socket: full control of the daemon"})
				}
			}
		}
	},
})

// socketMessage describes how a mount exposes an engine socket, "" when it
// does not or when that depends on unknown variables (${ROOT}/run).
func socketMessage(m hostMount) string {
	var msg string
	switch host := m.shown(); {
	case m.Host == "":
		return ""
	case isEngineSocket(host):
		msg = "mounts the container engine socket " + host + ": full control of the daemon"
	case len(m.HostVars) == 0 && isEngineSocketDir(host):
		msg = "mounts " + host + ", which holds the container engine socket: full control of the daemon"
	default:
		return ""
	}
	if m.Named != "" {
		msg = "volume " + m.Named + " " + msg
	}
	if m.RO {
		msg += " (read-only does not stop API calls)"
	}
	return msg
}

// isEngineSocket matches the API sockets of Docker, Podman and containerd by
// file name, wherever they live (rootless, XDG_RUNTIME_DIR), and Docker's
// Windows named pipe.
func isEngineSocket(host string) bool {
	base := host[strings.LastIndexAny(host, `/\`)+1:]
	for _, s := range []string{"docker.sock", "podman.sock", "containerd.sock"} {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	return base == "docker_engine"
}

// isEngineSocketDir matches the directories that hold an engine socket, and
// their parents: mounting them whole mounts the socket too. /var/run is a
// symlink to /run.
func isEngineSocketDir(host string) bool {
	p := host
	if underPath(p, "/var/run") {
		p = path.Join("/run", strings.TrimPrefix(p, "/var/run"))
	}
	switch p {
	case "/", "/run", "/run/user", "/run/podman", "/run/containerd", "/run/docker", "/run/docker/containerd":
		return true
	}
	rest, ok := strings.CutPrefix(p, "/run/user/")
	uid, sub, _ := strings.Cut(rest, "/")
	return ok && uid != "" && strings.Trim(uid, "0123456789") == "" && (sub == "" || sub == "podman")
}

// socketMayDepend reports whether unknown variables in a host path could
// make it an engine socket: the container side is a socket path
// (${DOCKER_SOCK}:/var/run/docker.sock); the last segment could end a socket
// directory (${X}/run, /run/user/${UID}); or a variable names the last
// segment in a directory that may hold a socket (/var/run/${SOCK},
// ${DIR}/${SOCK}), not in a data directory (/DATA/AppData/${AppID}).
func socketMayDepend(m hostMount) bool {
	if isEngineSocket(m.Target) {
		return true
	}
	dir, base := path.Split(path.Clean(m.RawHost))
	dir = path.Clean(dir)
	switch base {
	case "run", "user", "podman", "containerd", "docker":
		return true
	}
	if strings.Trim(base, "0123456789") == "" {
		return true
	}
	return strings.Contains(base, "$") && (strings.Contains(dir, "$") || dir == "." || isEngineSocketDir(dir))
}

// exposesSocket reports whether a service reaches an engine socket itself
// or through its own volumes_from chain.
func exposesSocket(c *Context, name string, seen map[string]bool) bool {
	s, ok := c.Project.Model.Services[name]
	if !ok || seen[name] {
		return false
	}
	seen[name] = true
	s.Name = name
	if s.UseAPISocket {
		return true
	}
	for _, m := range serviceMounts(c, s) {
		if socketMessage(m) != "" {
			return true
		}
	}
	for _, e := range s.VolumesFrom {
		if from, ctr := volumesFromService(e); !ctr && exposesSocket(c, from, seen) {
			return true
		}
	}
	return false
}
