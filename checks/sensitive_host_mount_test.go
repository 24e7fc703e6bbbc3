package checks

import "testing"

func TestSensitiveHostMount(t *testing.T) {
	runCases(t, "sensitive-host-mount", []ruleCase{
		{"etc read-write", volumesYAML("/etc:/host/etc"), []string{"web@5 high"}},
		{"read-only is medium", volumesYAML("/etc/localtime:/etc/localtime:ro"), []string{"web@5 medium"}},
		{"ro among other modes", volumesYAML("/usr/share:/share:z,ro"), []string{"web@5 medium"}},
		{"host root", volumesYAML("/:/host"), []string{"web@5 high"}},
		{"engine socket is left to docker-socket-mount", volumesYAML("/var/run/docker.sock:/var/run/docker.sock:ro"), nil},
		{"every listed directory", volumesYAML("/proc:/p", "/sys/fs/cgroup:/c", "/dev/bus/usb:/u", "/boot:/b", "/root/.ssh:/s",
			"/lib/modules:/m", "/lib64:/l", "/usr/bin:/ub", "/bin:/bi", "/sbin:/sb", "/var/lib/docker/volumes:/v",
			"/var/lib/containerd:/vc", "/run/dbus:/rd", "/var/run/utmp:/vr"),
			[]string{"web@5 high", "web@6 high", "web@7 high", "web@8 high", "web@9 high", "web@10 high", "web@11 high",
				"web@12 high", "web@13 high", "web@14 high", "web@15 high", "web@16 high", "web@17 high", "web@18 high"}},
		{"trailing slash and dot segments", volumesYAML("/etc/:/e", "/srv/../etc:/e2"), []string{"web@5 high", "web@6 high"}},
		{"variable resolving to a path", volumesYAML("${CONF:-/etc}/nginx:/etc/nginx:ro"), []string{"web@5 medium"}},
		{"long syntax at source line", webService + "    volumes:\n      - type: bind\n        source: /etc\n        target: /host/etc\n",
			[]string{"web@6 high"}},
		{"long syntax read_only", webService + "    volumes:\n      - type: bind\n        source: /proc\n        target: /host/proc\n        read_only: true\n",
			[]string{"web@6 medium"}},
		{"named volume bound to etc", volumesYAML("etc:/host/etc") +
			"volumes:\n  etc:\n    driver: local\n    driver_opts:\n      type: none\n      o: bind\n      device: /etc\n",
			[]string{"web@5 high"}},
		{"named volume bind with ro option", volumesYAML("etc:/host/etc") +
			"volumes:\n  etc:\n    driver_opts:\n      type: none\n      o: bind,ro\n      device: /etc\n",
			[]string{"web@5 medium"}},
		{"local-persist mountpoint", volumesYAML("boot:/b") + "volumes:\n  boot:\n    driver: local-persist\n    driver_opts:\n      mountpoint: /boot\n",
			[]string{"web@5 high"}},
		{"unknown host path", volumesYAML("${DATA}/app:/app"), []string{"web@5 info"}},
		{"empty substitution does not decide", volumesYAML("${ROOT}/etc:/host/etc", "/${X}:/host"), []string{"web@5 info", "web@6 info"}},
		{"unknown below a sensitive directory", volumesYAML("/etc/${APP}/conf:/conf:ro"), []string{"web@5 medium"}},
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
	if got[0].Suggestion != "      - /home/alice:/data:ro" {
		t.Errorf("suggestion = %q", got[0].Suggestion)
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
