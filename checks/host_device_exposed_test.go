package checks

import (
	"strconv"
	"testing"
)

func TestHostDeviceExposed(t *testing.T) {
	svc := "services:\n  web:\n    image: jellyfin/jellyfin:10.9\n"
	runCases(t, "host-device-exposed", []ruleCase{
		{"short source only", svc + "    devices:\n      - /dev/dri\n", []string{"web@5 medium"}},
		{"short source and target", svc + "    devices:\n      - /dev/ttyUSB0:/dev/zigbee\n", []string{"web@5 medium"}},
		{"a raw disk is high", svc + "    devices:\n      - \"/dev/sda:/dev/xvda:rwm\"\n      - /dev/nvme0n1\n      - /dev/kvm\n", []string{"web@5 high", "web@6 high", "web@7 medium"}},
		{"host memory is high", svc + "    devices:\n      - source: /dev/mem\n        target: /dev/mem\n        permissions: r\n", []string{"web@5 high"}},
		{"interpolated", svc + "    devices:\n      - ${ZIGBEE:-/dev/ttyACM0}:/dev/ttyACM0\n", []string{"web@5 medium"}},
		{"cgroup rules, all devices high", svc + "    device_cgroup_rules:\n      - 'c 189:* rmw'\n      - 'a *:* rwm'\n", []string{"web@5 medium", "web@6 high"}},
		{"gpus all", svc + "    gpus: all\n", []string{"web@4 info"}},
		{"gpus list", svc + "    gpus:\n      - driver: nvidia\n        count: 1\n", []string{"web@4 info"}},
		{"deploy reservations", svc + "    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              count: all\n              capabilities: [gpu]\n",
			[]string{"web@7 info"}},
		{"cdi gpu", svc + "    devices:\n      - nvidia.com/gpu=all\n", []string{"web@5 info"}},
		{"anchor names both services", "x-dev: &dev\n  - /dev/dri:/dev/dri\nservices:\n  a:\n    image: nginx:1.27\n    devices: *dev\n  b:\n    image: nginx:1.27\n    devices: *dev\n",
			[]string{"a@2 medium"}},
		// near misses
		{"no devices", svc + "    volumes:\n      - /srv/media:/media\n", nil},
		{"limits without devices", svc + "    deploy:\n      resources:\n        limits:\n          memory: 512m\n        reservations:\n          memory: 128m\n", nil},
	})
}

func TestHostDeviceExposedOverride(t *testing.T) {
	got := runRuleFiles(t, "host-device-exposed", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n    devices:\n      - /dev/dri\n",
		"compose.override.yaml": "services:\n  web:\n    devices:\n      - /dev/kvm:/dev/kvm\n",
	})
	var files []string
	for _, f := range got {
		files = append(files, f.Pos.File+":"+strconv.Itoa(f.Pos.Line))
	}
	if len(files) != 2 || files[0] != "compose.override.yaml:4" || files[1] != "compose.yaml:5" {
		t.Fatalf("findings at %v, want compose.override.yaml:4 and compose.yaml:5", files)
	}
}
