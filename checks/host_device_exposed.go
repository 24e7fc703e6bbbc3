package checks

import (
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

var _ = register(&Rule{
	ID:          "host-device-exposed",
	Category:    HostIsolation,
	Severity:    Medium,
	SeverityWhy: "A named device (GPU, USB stick, /dev/kvm) is a narrow grant services often need (medium); a raw disk, host memory or a rule allowing every device reads and writes past all file permissions (high).",
	Title:       "Host device exposed to the container",
	Why:         "Raw device access bypasses filesystem permissions: a disk, /dev/mem or /dev/kvm can be read or written directly.",
	Fix:         "Pass only the device the service needs (e.g. /dev/dri/renderD128, not /dev/dri or a disk), with the narrowest permissions.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			for _, d := range s.Devices {
				f := Finding{Service: s.Name, Pos: deviceItemPos(c, s.Name, d.Source, d.Target), KeyPath: "devices",
					Message: "gives raw access to host device " + d.Source}
				switch {
				case d.Source == "/dev/mem" || d.Source == "/dev/kmem" || d.Source == "/dev/port":
					f.Severity, f.Message = High, "gives raw access to host memory "+d.Source+": the kernel's and every process's data"
				case rawDevice.MatchString(d.Source):
					f.Severity, f.Message = High, "gives raw access to host disk "+d.Source+": every file on it, past file permissions"
				}
				// A CDI name such as nvidia.com/gpu=all is a GPU request by another spelling.
				if kind, _, cdi := strings.Cut(d.Source, "="); cdi && strings.HasSuffix(kind, "/gpu") {
					f.Severity, f.Message = Info, "requests GPU "+d.Source+": the vendor runtime adds its device nodes"
				}
				c.Report(f)
			}
			for _, r := range s.DeviceCgroupRules {
				pos := c.Project.FindItem(s.Name, func(n *yaml.Node) bool {
					return c.Project.Interpolate(n.Value) == r
				}, "device_cgroup_rules")
				f := Finding{Service: s.Name, Pos: pos, KeyPath: "device_cgroup_rules",
					Message: "device cgroup rule \"" + r + "\" allows the matching host devices"}
				if strings.HasPrefix(strings.TrimSpace(r), "a") {
					// every disk and /dev/mem, once a node for them exists
					f.Severity, f.Message = High, "device cgroup rule \""+r+"\" allows every host device"
				}
				c.Report(f)
			}
			if len(s.Gpus) > 0 {
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "gpus"), KeyPath: "gpus", Severity: Info,
					Message: "requests GPUs: the vendor runtime adds their device nodes"})
			}
			if r := s.Deploy; r != nil && r.Resources.Reservations != nil && len(r.Resources.Reservations.Devices) > 0 {
				keys := []string{"deploy", "resources", "reservations", "devices"}
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, keys...), KeyPath: strings.Join(keys, "."), Severity: Info,
					Message: "reserves devices (GPUs): the vendor runtime adds their device nodes"})
			}
		}
	},
})

// deviceItemPos finds the devices item that maps source to target, short
// (`SRC[:DST[:PERMS]]`) or long syntax.
func deviceItemPos(c *Context, service, source, target string) compose.Position {
	return c.Project.FindItem(service, func(n *yaml.Node) bool {
		if n.Kind == yaml.ScalarNode {
			parts := strings.Split(c.Project.Interpolate(n.Value), ":")
			dst := parts[0]
			if len(parts) > 1 {
				dst = parts[1]
			}
			return parts[0] == source && dst == target
		}
		src, dst := mapField(n, "source"), mapField(n, "target")
		return src != nil && dst != nil && c.Project.Interpolate(src.Value) == source && c.Project.Interpolate(dst.Value) == target
	}, "devices")
}
