package checks

import (
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

var _ = register(&Rule{
	ID:          "mount-propagation-shared",
	Category:    HostIsolation,
	Severity:    Medium,
	SeverityWhy: "Mounts cross between host and container: a step toward escape combined with mount rights, not one alone.",
	Title:       "Bind mount propagates mounts to or from the host",
	Why:         "With shared propagation, mounts made inside the container appear on the host; with slave, host mounts appear inside the container.",
	Fix:         "Drop the propagation mode (Docker's default rprivate) unless the service really manages host mounts.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			for _, m := range serviceMounts(c, s) {
				// Compose ignores bind options on other mount types.
				if m.Type != types.VolumeTypeBind {
					continue
				}
				switch prop := bindPropagation(m); prop {
				case types.PropagationShared, types.PropagationRShared:
					c.Report(Finding{Service: s.Name, Pos: m.at(c, "bind", "propagation"), KeyPath: "volumes",
						Message: prop + " propagation of " + m.Target + ": mounts made in the container appear on the host"})
				case types.PropagationSlave, types.PropagationRSlave:
					c.Report(Finding{Service: s.Name, Pos: m.at(c, "bind", "propagation"), KeyPath: "volumes",
						Message: prop + " propagation of " + m.Target + ": host mounts appear in the container"})
				default:
					if vars := propagationVars(c, m); len(vars) > 0 {
						c.ReportUnknown(s.Name, m.at(c, "bind", "propagation"), "volumes", vars)
					}
				}
			}
		}
	},
})

func bindPropagation(m hostMount) string {
	if m.Bind == nil {
		return ""
	}
	return m.Bind.Propagation
}

// propagationVars lists the unknown variables the propagation mode depends on.
func propagationVars(c *Context, m hostMount) []string {
	switch {
	case m.item == nil:
		return nil
	case m.item.Kind == yaml.ScalarNode:
		return c.Project.Unknown(&yaml.Node{Kind: yaml.ScalarNode, Value: shortMode(m.item.Value)})
	}
	if b := mapField(m.item, "bind"); b != nil {
		return c.Project.Unknown(mapField(b, "propagation"))
	}
	return nil
}
