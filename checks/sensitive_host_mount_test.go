package checks

import "testing"

func TestSensitiveHostMount(t *testing.T) {
	runCases(t, "sensitive-host-mount", []ruleCase{
		{"etc read-write", volumesYAML("/etc:/host/etc"), []string{"web@5 high"}},
		{"read-only /etc/localtime is harmless", volumesYAML("/etc/localtime:/etc/localtime:ro", "/etc/timezone:/etc/timezone:ro",
			"/usr/share/zoneinfo:/usr/share/zoneinfo:ro"), nil},
		{"other harmless files read-only", volumesYAML("/etc/os-release:/host/etc/os-release:ro", "/etc/passwd:/host/etc/passwd:ro",
			"/etc/ssl/certs:/etc/ssl/certs:ro", "/etc/resolv.conf:/etc/resolv.conf:ro", "/dev/urandom:/dev/random:ro", "/var/run/utmp:/var/run/utmp:ro"), nil},
		{"a writable /etc/localtime changes the host's time zone", volumesYAML("/etc/localtime:/etc/localtime"), []string{"web@5 medium"}},
		{"writable account and trust files are high", volumesYAML("/etc/passwd:/etc/passwd", "/etc/resolv.conf:/etc/resolv.conf", "/etc/ssl/certs:/certs"),
			[]string{"web@5 high", "web@6 high", "web@7 high"}},
		{"an application's /etc directory is medium", volumesYAML("/etc/pihole:/etc/pihole", "/etc/dokploy/traefik/dynamic:/dyn"), []string{"web@5 medium", "web@6 medium"}},
		{"an application's /etc directory read-only is low", volumesYAML("/etc/pihole:/etc/pihole:ro"), []string{"web@5 low"}},
		{"a key store in an application's /etc directory", volumesYAML("/etc/dokploy/traefik/dynamic/acme.json:/certs/acme.json:ro", "/etc/app/tls/server.key:/k"),
			[]string{"web@5 medium", "web@6 high"}},
		{"host-wide configuration read-only is low, writable high", volumesYAML("/etc/systemd:/s:ro", "/etc/cron.d:/c"), []string{"web@5 low", "web@6 high"}},
		{"credentials are high even read-only", volumesYAML("/etc/ssh:/ssh:ro", "/etc/shadow:/shadow:ro", "/root/.ssh:/keys:ro", "/etc/letsencrypt:/le:ro"),
			[]string{"web@5 high", "web@6 high", "web@7 high", "web@8 high"}},
		{"read-only / is still high", volumesYAML("/:/hostfs:ro"), []string{"web@5 high"}},
		{"read-only /etc is still high", volumesYAML("/etc:/hostfs/etc:ro"), []string{"web@5 high"}},
		{"read-only software tree is low", volumesYAML("/usr/share:/share:z,ro", "/lib/modules:/lib/modules:ro"), []string{"web@5 low", "web@6 low"}},
		{"writable software is high", volumesYAML("/usr/bin:/ub", "/usr/local/lib:/ul", "/usr:/u"), []string{"web@5 high", "web@6 high", "web@7 high"}},
		{"other data under /usr is medium", volumesYAML("/usr/share/appdata/wireguard/config:/config"), []string{"web@5 medium"}},
		{"writable kernel modules are high", volumesYAML("/lib/modules:/lib/modules"), []string{"web@5 high"}},
		{"read-only kernel interfaces are medium", volumesYAML("/proc:/host/proc:ro", "/sys:/host/sys:ro"), []string{"web@5 medium", "web@6 medium"}},
		{"a raw disk is high even read-only", volumesYAML("/dev/sda:/dev/sda:ro", "/dev/nvme0n1p2:/disk"), []string{"web@5 high", "web@6 high"}},
		{"other device nodes are medium", volumesYAML("/dev/dri:/dev/dri", "/dev/net/tun:/dev/net/tun"), []string{"web@5 medium", "web@6 medium"}},
		{"a host service's socket is medium", volumesYAML("/var/run/mysqld/mysqld.sock:/var/run/mysqld/mysqld.sock"), []string{"web@5 medium"}},
		{"all of /run holds every daemon's socket", volumesYAML("/run:/host/run:ro"), []string{"web@5 high"}},
		{"the system D-Bus is high even read-only", volumesYAML("/run/dbus:/run/dbus:ro", "/var/run/dbus/system_bus_socket:/b:ro"), []string{"web@5 high", "web@6 high"}},
		{"a user's session sockets", volumesYAML("/run/user/1000/pulse:/run/pulse"), []string{"web@5 medium"}},
		{"one Docker volume by path", volumesYAML("/var/lib/docker/volumes/abc/_data:/data"), []string{"web@5 medium"}},
		{"a tree that holds a sensitive one", volumesYAML("/var:/host/var:ro", "/var/lib:/l"), []string{"web@5 high", "web@6 high"}},
		{"host root", volumesYAML("/:/host"), []string{"web@5 high"}},
		{"engine socket is left to docker-socket-mount", volumesYAML("/var/run/docker.sock:/var/run/docker.sock:ro"), nil},
		{"every listed directory", volumesYAML("/proc:/p", "/sys/fs/cgroup:/c", "/dev/bus/usb:/u", "/boot:/b", "/root/.ssh:/s",
			"/lib/modules:/m", "/lib64:/l", "/usr/bin:/ub", "/bin:/bi", "/sbin:/sb", "/var/lib/docker/volumes:/v",
			"/var/lib/containerd:/vc", "/run/dbus:/rd", "/var/run/utmp:/vr"),
			[]string{"web@5 high", "web@6 high", "web@7 medium", "web@8 high", "web@9 high", "web@10 high", "web@11 high",
				"web@12 high", "web@13 high", "web@14 high", "web@15 high", "web@16 high", "web@17 high", "web@18 medium"}},
		{"trailing slash and dot segments", volumesYAML("/etc/:/e", "/srv/../etc:/e2"), []string{"web@5 high", "web@6 high"}},
		{"variable resolving to a path", volumesYAML("${CONF:-/etc}/nginx:/etc/nginx:ro"), []string{"web@5 low"}},
		{"long syntax at source line", webService + "    volumes:\n      - type: bind\n        source: /etc\n        target: /host/etc\n",
			[]string{"web@6 high"}},
		{"long syntax read_only", webService + "    volumes:\n      - type: bind\n        source: /proc\n        target: /host/proc\n        read_only: true\n",
			[]string{"web@6 medium"}},
		{"named volume bound to etc", volumesYAML("etc:/host/etc") +
			"volumes:\n  etc:\n    driver: local\n    driver_opts:\n      type: none\n      o: bind\n      device: /etc\n",
			[]string{"web@5 high"}},
		{"named volume bind with ro option", volumesYAML("etc:/host/etc") +
			"volumes:\n  etc:\n    driver_opts:\n      type: none\n      o: bind,ro\n      device: /proc\n",
			[]string{"web@5 medium"}},
		{"local-persist mountpoint", volumesYAML("boot:/b") + "volumes:\n  boot:\n    driver: local-persist\n    driver_opts:\n      mountpoint: /boot\n",
			[]string{"web@5 high"}},
		{"unknown host path", volumesYAML("${DATA}/app:/app"), []string{"web@5 info"}},
		{"empty substitution does not decide", volumesYAML("${ROOT}/etc:/host/etc", "/${X}:/host"), []string{"web@5 info", "web@6 info"}},
		{"unknown below /etc may be credentials or an application's", volumesYAML("/etc/${APP}/conf:/conf:ro"), []string{"web@5 info"}},
		{"unknown below an application's directory cannot change the call", volumesYAML("/etc/nginx/${SITE}:/conf"), []string{"web@5 medium"}},
		{"unknown under a prefix of a sensitive directory", volumesYAML("/var/lib/${ENGINE}:/engine"), []string{"web@5 info"}},
		{"unknown that cannot reach a sensitive directory", volumesYAML("./${APP}/config:/config", "/srv/${APP}:/data"), nil},
		{"anchor names both services", "x-vols: &vols\n  - /etc:/host/etc\nservices:\n  a:\n    image: nginx:1.27\n    volumes: *vols\n  b:\n    image: nginx:1.27\n    volumes: *vols\n",
			[]string{"a@2 high"}},
		// near misses
		{"prefix is not a segment", volumesYAML("/etcetera:/e", "/variable/run:/v", "/usr2:/u", "/devices:/d"), nil},
		{"ordinary host data", volumesYAML("/srv/app:/data", "./config:/config", "~/media:/media", "/var/lib/app:/app", "/var/log:/logs"), nil},
		{"named and anonymous volumes", volumesYAML("etc:/etc", "/etc") + "volumes:\n  etc: {}\n", nil},
		{"nfs named volume", volumesYAML("nfs:/data") + "volumes:\n  nfs:\n    driver_opts:\n      type: nfs\n      o: addr=10.0.0.2,rw\n      device: \":/etc\"\n", nil},
		{"tmpfs", webService + "    tmpfs:\n      - /run\n    volumes:\n      - type: tmpfs\n        target: /etc/app\n", nil},
	})
}

func TestSensitiveHostMountOptions(t *testing.T) {
	opts := DefaultOptions()
	opts.SensitivePaths = []string{"/home/"}
	got := runRuleFiles(t, "sensitive-host-mount", opts, map[string]string{
		"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - /home/alice:/data\n      - /homer:/x\n",
	})
	if s := summarize(got); len(s) != 1 || s[0] != "web@5 high" {
		t.Fatalf("findings = %v, want [web@5 high]", s)
	}
}

func TestSensitiveHostMountExtends(t *testing.T) {
	got := runRuleFiles(t, "sensitive-host-mount", DefaultOptions(), map[string]string{
		"compose.yaml": "services:\n  app:\n    extends:\n      file: base.yaml\n      service: base\n",
		"base.yaml":    "services:\n  base:\n    image: alpine:3.20\n    volumes:\n      - /proc:/host/proc:ro\n",
	})
	if len(got) != 1 || got[0].Pos.File != "base.yaml" || got[0].Pos.Line != 5 || got[0].Severity != Medium {
		t.Fatalf("findings = %+v, want one medium at base.yaml:5", got)
	}
}

// TestSensitiveHostMountMessages checks that each message names the path
// actually mounted and claims only what that path gives.
func TestSensitiveHostMountMessages(t *testing.T) {
	for _, tc := range []struct{ name, item, want string }{
		{"a writable time zone file", "/etc/timezone:/etc/timezone", "mounts host /etc/timezone read-write: the container can change the host's time zone"},
		{"pihole's own folder in /etc", "/etc/pihole:/etc/pihole:ro", "mounts host /etc/pihole read-only: the container can read an application's files in the host's /etc"},
		{"crowdsec reading the access log of Dokploy's Traefik, not its own configuration", "/etc/dokploy/traefik/dynamic/access.log:/var/log/traefik/access.log:ro",
			"mounts host /etc/dokploy/traefik/dynamic/access.log read-only: the container can read an application's files in the host's /etc"},
		{"mailcow's external MySQL socket: one socket file, not the daemon's runtime folder", "/var/run/mysqld/mysqld.sock:/var/run/mysqld/mysqld.sock",
			"mounts host /var/run/mysqld/mysqld.sock read-write: the container can connect to the host daemon listening on this socket"},
		{"a daemon's whole runtime folder", "/run/mysqld:/run/mysqld", "mounts host /run/mysqld read-write: the container can change a host daemon's runtime files and connect to its sockets"},
		{"the system D-Bus read-only", "/run/dbus:/run/dbus:ro", "mounts host /run/dbus read-only: the container can call the host's system D-Bus, where root manages services (read-only does not stop calls)"},
		{"a tree holding Docker's storage", "/var:/host/var:ro", "mounts host /var read-only: the container can read Docker's storage: every container's files, volumes and secrets (it is inside this mount)"},
		{"the host root read-only", "/:/hostfs:ro", "mounts host / read-only: the container can read every host file, credentials included"},
		{"a folder in root's home", "/root/backups:/backups", "mounts host /root/backups read-write: the container can change files in root's home directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runRule(t, "sensitive-host-mount", volumesYAML(tc.item))
			if len(got) != 1 || got[0].Message != tc.want {
				t.Errorf("%s: findings %+v, want the message %q", tc.item, got, tc.want)
			}
		})
	}
}
