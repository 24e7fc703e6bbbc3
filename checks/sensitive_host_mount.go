package checks

import (
	"path"
	"regexp"
	"strings"
)

// sensitiveDirs are the host trees that hold configuration, credentials,
// binaries, kernel interfaces or the engine's own state; a mount of
// anything else (/srv, /mnt, /opt) is the operator's data.
// Options.SensitivePaths adds more.
var sensitiveDirs = []string{"/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/lib", "/lib64", "/usr",
	"/bin", "/sbin", "/var/lib/docker", "/var/lib/containerd", "/run", "/var/run"}

// hostZone is a part of a sensitive host tree, judged by what a container
// can do with it: its path and everything below, unless a longer zone
// says otherwise.
type hostZone struct {
	path string
	// below is true for a zone of what lies below path, not path itself.
	below bool
	// ro and rw are the severities of a read-only and of a writable mount;
	// 0 is no finding.
	ro, rw Severity
	// reads and changes finish "the container can …" for a read-only and
	// a writable mount.
	reads, changes string
}

// hostZones judge each part of the sensitive trees. Harmless files (the
// time zone, public CA certificates, world-readable account lists) may be
// read; credentials (/etc/ssh, /root, Docker's storage) may not even be
// read; host-wide configuration and installed software may be read but
// not changed; an application's own /etc/<app> directory is that
// application's business, writable or not.
var hostZones = func() []hostZone {
	z := []hostZone{
		{"/", false, High, High, "read every host file, credentials included", "change every host file"},
		{"/etc", false, High, High, "read the host's configuration, password hashes and SSH host keys", "change the host's configuration"},
		{"/proc", false, Medium, High, "read the host's kernel and process information", "change the host's kernel settings"},
		{"/sys", false, Medium, High, "read the host's kernel and hardware information", "change the host's kernel and hardware settings"},
		{"/dev", false, Medium, Medium, "open host device nodes the device cgroup allows", "open host device nodes the device cgroup allows"},
		{"/run", false, High, High, "call every host daemon through its socket (read-only does not stop calls)", "call every host daemon through its socket"},
		runtimeFiles,
		{"/run/user", false, Medium, Medium, "connect to a host user's session sockets", "connect to a host user's session sockets"},
		{"/run/dbus", false, High, High, "call the host's system D-Bus, where root manages services (read-only does not stop calls)", "call the host's system D-Bus, where root manages services"},
		{"/run/systemd", false, High, High, "call systemd, which manages the host's services (read-only does not stop calls)", "call systemd, which manages the host's services"},
		{"/run/libvirt", false, High, High, "call libvirt, which starts VMs as root (read-only does not stop calls)", "call libvirt, which starts VMs as root"},
		{"/run/udev", false, Low, Medium, "read the host's device database", "change the host's device database"},
		{"/run/utmp", false, 0, Medium, "", "change the host's login records"},
		{"/root", false, High, High, "read root's home directory (SSH keys, shell history)", "change root's home directory"},
		{"/root", true, Medium, Medium, "read files in root's home directory", "change files in root's home directory"},
		{"/var/lib/docker", false, High, High, "read Docker's storage: every container's files, volumes and secrets", "change Docker's storage: every container's files and volumes"},
		{"/var/lib/docker/volumes", true, Low, Medium, "read a Docker volume by its path in Docker's storage", "change a Docker volume by its path in Docker's storage"},
		{"/var/lib/containerd", false, High, High, "read containerd's storage: every container's files", "change containerd's storage: every container's files"},
		{"/usr", true, Low, Medium, "read host files under /usr", "change host files under /usr"},
		{"/boot", false, Low, High, "read the host's kernel and boot loader", "change the host's kernel and boot loader"},
		{"/lib/modules", false, Low, High, "read the host's kernel modules", "change the kernel modules the host loads"},
		{"/usr/src", false, Low, High, "read the host's kernel headers", "change the kernel headers the host builds modules with"},
		{"/etc/localtime", false, 0, Medium, "", "change the host's time zone"},
		{"/etc/timezone", false, 0, Medium, "", "change the host's time zone"},
		{"/usr/share/zoneinfo", false, 0, Medium, "", "change the host's time zone data"},
		{"/dev/null", false, 0, 0, "", ""}, {"/dev/zero", false, 0, 0, "", ""}, {"/dev/random", false, 0, 0, "", ""}, {"/dev/urandom", false, 0, 0, "", ""},
	}
	for _, p := range []string{"/usr", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/local/bin",
		"/usr/local/sbin", "/usr/local/lib", "/bin", "/sbin", "/lib", "/lib64", "/lib32"} {
		z = append(z, hostZone{p, false, Low, High, "read the host's installed software", "change software the host runs as root"})
	}
	for _, p := range []string{"/etc/hostname", "/etc/machine-id", "/var/lib/dbus/machine-id", "/etc/os-release", "/usr/lib/os-release"} {
		z = append(z, hostZone{p, false, 0, Medium, "", "change the host's identity (" + path.Base(p) + ")"})
	}
	for _, p := range []string{"/etc/hosts", "/etc/resolv.conf"} {
		z = append(z, hostZone{p, false, 0, High, "", "change the host's name resolution"})
	}
	for _, p := range []string{"/etc/passwd", "/etc/group"} {
		z = append(z, hostZone{p, false, 0, High, "", "change the host's user accounts"})
	}
	for _, p := range []string{"/etc/ssl/certs", "/etc/ca-certificates", "/usr/share/ca-certificates", "/etc/pki/ca-trust"} {
		z = append(z, hostZone{p, false, 0, High, "", "change the certificate authorities the host trusts"})
	}
	for _, p := range []string{"/etc/shadow", "/etc/gshadow", "/etc/ssh", "/etc/ssl/private", "/etc/pki/tls/private",
		"/etc/letsencrypt", "/etc/docker", "/etc/kubernetes", "/etc/wireguard", "/etc/openvpn", "/root/.ssh",
		"/root/.docker", "/root/.kube", "/root/.aws", "/root/.gnupg"} {
		z = append(z, hostZone{p, false, High, High, "read the host's credentials in " + p, "change the host's credentials in " + p})
	}
	for _, p := range []string{"/etc/systemd", "/etc/crontab", "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily",
		"/etc/cron.weekly", "/etc/cron.monthly", "/etc/sudoers", "/etc/sudoers.d", "/etc/pam.d", "/etc/security",
		"/etc/profile", "/etc/profile.d", "/etc/environment", "/etc/ld.so.preload", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
		"/etc/apt", "/etc/yum.repos.d", "/etc/init.d", "/etc/rc.local", "/etc/udev", "/etc/modprobe.d",
		"/etc/modules-load.d", "/etc/sysctl.conf", "/etc/sysctl.d", "/etc/fstab", "/etc/network", "/etc/netplan",
		"/etc/NetworkManager", "/etc/polkit-1", "/etc/dbus-1", "/etc/logrotate.d"} {
		z = append(z, hostZone{p, false, Low, High, "read host-wide configuration in " + p, "change configuration the host runs as root (" + p + ")"})
	}
	return z
}()

// appConfig judges what is below /etc and no zone names: an application's
// own configuration (/etc/pihole, /etc/nginx, /etc/dokploy/traefik). The
// application is not always the one mounting it (crowdsec reads Dokploy's
// Traefik log under /etc/dokploy), so the message does not say whose.
var appConfig = hostZone{"/etc", true, Low, Medium, "read an application's files in the host's /etc", "change an application's files in the host's /etc"}

// runtimeFiles is what is below /run; daemonSocket judges one socket file
// there, which a container can connect to but not use to reach the rest.
var (
	runtimeFiles = hostZone{"/run", true, Medium, Medium, "read a host daemon's runtime files and connect to its sockets (read-only does not stop connections)", "change a host daemon's runtime files and connect to its sockets"}
	daemonSocket = hostZone{"/run", true, Medium, Medium, "connect to the host daemon listening on this socket (read-only does not stop connections)", "connect to the host daemon listening on this socket"}
	socketFile   = regexp.MustCompile(`(?i)([.]sock|[._-]socket|-sock)$`)
)

// keyFile matches file names that hold private keys or certificates with
// their keys: Traefik's acme.json, *.key, id_rsa, key stores.
var keyFile = regexp.MustCompile(`(?i)^(acme\.json|.*\.key|.*priv.*\.pem|id_(rsa|dsa|ecdsa|ed25519).*|.*\.(p12|pfx|jks|keystore))$`)

// rawDevice matches the host's disks, partitions and memory: whoever opens
// them reads (and writes) every file past its permissions.
var rawDevice = regexp.MustCompile(`^/dev/((sd|hd|vd|xvd)[a-z]+\d*|nvme\d+(n\d+(p\d+)?)?|mmcblk\d+(p\d+)?|md\d+|dm-\d+|loop\d+|mapper(/.*)?|disk(/.*)?|mem|kmem|port)$`)

// judgeHostPath returns the severity and consequence of mounting an
// absolute host path, 0 when it is not sensitive.
func judgeHostPath(host string, ro bool, extra []string) (Severity, string) {
	if !strings.HasPrefix(host, "/") {
		return 0, ""
	}
	z, ok := zoneOf(host, extra)
	if ok && z == appConfig && keyFile.MatchString(path.Base(host)) {
		z = hostZone{host, false, Medium, High, "read the private keys in this host file", "change the private keys in this host file"}
	}
	if ok && z == runtimeFiles && socketFile.MatchString(host) {
		z = daemonSocket
	}
	if rawDevice.MatchString(host) {
		z, ok = hostZone{host, false, High, High, "read a raw host disk or memory, past every file permission", "change a raw host disk or memory, past every file permission"}, true
	}
	sev, what := z.ro, z.reads
	if !ro {
		sev, what = z.rw, z.changes
	}
	if !ok {
		sev = 0
	}
	// a mount of /var holds /var/lib/docker: it is as dangerous as the worst zone inside
	for _, in := range hostZones {
		s, w := in.ro, in.reads
		if !ro {
			s, w = in.rw, in.changes
		}
		if host != "/" && in.path != host && underPath(in.path, host) && s > sev {
			sev, what = s, w+" (it is inside this mount)"
		}
	}
	return sev, what
}

// zoneOf returns the most specific zone an absolute host path lies in.
func zoneOf(host string, extra []string) (hostZone, bool) {
	if !strings.HasPrefix(host, "/") {
		return hostZone{}, false
	}
	if underPath(host, "/var/run") {
		host = path.Join("/run", strings.TrimPrefix(host, "/var/run"))
	}
	best, ok := hostZone{}, false
	for _, z := range hostZones {
		in := underPath(host, z.path) && !(z.below && host == z.path)
		longer := len(z.path) > len(best.path) || (len(z.path) == len(best.path) && z.below) // /run/x: what is below /run
		if (z.path == "/" && host == "/") || (z.path != "/" && in && longer) {
			best, ok = z, true
		}
	}
	if ok && best.path == "/etc" && host != "/etc" {
		return appConfig, true
	}
	if !ok {
		for _, d := range extra {
			if d = path.Clean(d); d != "/" && underPath(host, d) {
				return hostZone{d, false, Medium, High, "read this host directory the policy calls sensitive", "change this host directory the policy calls sensitive"}, true
			}
		}
	}
	return best, ok
}

var _ = register(&Rule{
	ID:          "sensitive-host-mount",
	Category:    HostIsolation,
	Severity:    High,
	SeverityWhy: "Judged by the path actually mounted: writable host configuration, software or kernel settings, and credentials, / or /etc even read-only, are high; an application's own /etc directory is medium (low read-only); harmless files such as the time zone pass read-only.",
	Title:       "Sensitive host directory mounted",
	Why:         "Host credentials, configuration, software or kernel interfaces become readable, or writable, from the container.",
	Fix:         "Mount only the file or subdirectory the service needs, read-only (`:ro`), or copy it into a named volume.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			for _, m := range serviceMounts(c, s) {
				if isEngineSocket(m.shown()) {
					continue // docker-socket-mount says it better
				}
				if len(m.HostVars) > 0 && sensitiveMayDepend(m, c.Options.SensitivePaths) {
					c.ReportUnknown(s.Name, m.at(c, "source"), "volumes", m.HostVars)
					continue
				}
				sev, what := judgeHostPath(m.knownDir(), m.RO, c.Options.SensitivePaths)
				if sev == 0 {
					continue
				}
				f := Finding{Service: s.Name, Pos: m.at(c, "source"), KeyPath: "volumes", Severity: sev,
					Message: "mounts host " + m.shown() + " read-write: the container can " + what}
				if m.RO {
					f.Message = "mounts host " + m.shown() + " read-only: the container can " + what
				}
				if m.Named != "" {
					f.Message = "volume " + m.Named + " " + f.Message
				}
				c.Report(f)
			}
		}
	},
})

// sensitiveMayDepend reports whether unknown variables in a host path
// decide how it is judged: the text before the first variable could still
// grow into a sensitive tree (${DATA}/x, /${X}, /var/lib/${X}), or the
// known directory holds zones judged otherwise than itself (/etc/${APP}
// may be /etc/ssh or /etc/nginx). /srv/${X} and ./${X} are never
// sensitive; /etc/nginx/${X} is always the application's own.
func sensitiveMayDepend(m hostMount, extra []string) bool {
	prefix, _, _ := strings.Cut(m.RawHost, "$")
	for _, d := range append([]string{"/"}, append(sensitiveDirs, extra...)...) {
		if strings.HasPrefix(path.Clean(d), prefix) {
			return true
		}
	}
	dir := m.knownDir()
	z, ok := zoneOf(dir, extra)
	if !ok {
		return false
	}
	for _, in := range append(hostZones, appConfig) {
		if in != z && underPath(in.path, dir) {
			return true
		}
	}
	return false
}
