package policy

import (
	"regexp"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// Harden is the harden: section: the limits `composeguard harden` and the
// hardening pull requests give services that set none. "" and 0 leave the
// default (512M of memory, 1.0 CPU, 200 processes).
type Harden struct {
	Memory string // as Compose writes it: 512M, 1g
	CPUs   string // a number of CPUs: 0.5, 2
	Pids   int
}

// minMemory is the smallest memory limit Docker accepts (6 MiB).
const minMemory = 6 << 20

var (
	memoryValue = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?[kKmMgG]?[bB]?$`)
	cpusValue   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
)

// harden reads the harden: section.
//
//	harden:
//	  memory: 512M   # memory limit: a size Compose reads, at least 6M
//	  cpus: 1.0      # CPU limit: a positive number of CPUs
//	  pids: 200      # PID limit: a positive whole number
func (r reader) harden(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.bad(n, "harden must be a mapping with memory, cpus and pids")
		return
	}
	r.fields(n, map[string]func(v *yaml.Node){
		"memory": func(v *yaml.Node) {
			var size types.UnitBytes
			if v.Kind != yaml.ScalarNode || !memoryValue.MatchString(v.Value) || size.DecodeMapstructure(v.Value) != nil || size < minMemory {
				r.bad(v, "memory must be a size of at least 6M, such as 512M or 1g, not %q; the default (512M) applies", v.Value)
				return
			}
			r.p.Harden.Memory = v.Value
		},
		"cpus": func(v *yaml.Node) {
			if f, err := strconv.ParseFloat(v.Value, 64); v.Kind != yaml.ScalarNode || !cpusValue.MatchString(v.Value) || err != nil || f <= 0 {
				r.bad(v, "cpus must be a positive number of CPUs, such as 0.5 or 2, not %q; the default (1.0) applies", v.Value)
				return
			}
			r.p.Harden.CPUs = v.Value
		},
		"pids": func(v *yaml.Node) {
			var pids int
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&pids) != nil || pids <= 0 {
				r.bad(v, "pids must be a positive whole number, such as 200, not %q (0 and -1 mean no limit); the default (200) applies", v.Value)
				return
			}
			r.p.Harden.Pids = pids
		},
	})
}
