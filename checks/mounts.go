package checks

import (
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// hostMount is one service volume as the host sees it, tied to the source
// item that wrote it.
type hostMount struct {
	types.ServiceVolumeConfig
	// Host is the host path the container reaches: a bind source, or the
	// device/mountpoint of a named volume that is really a bind. "" for
	// named and anonymous volumes and tmpfs.
	Host string
	// Named is the top-level volume key for type volume.
	Named string
	// RO is true when the container cannot write through the mount.
	RO bool
	// RawHost is the host side as written, variables kept; HostVars are
	// the unknown ones among them.
	RawHost  string
	HostVars []string
	item     *yaml.Node
	src      *compose.Source
	svc      string
}

// serviceMounts returns the service's volumes with their host side resolved:
// short and long syntax, and named volumes whose top-level driver_opts make
// them binds (`o: bind` + `device`, or local-persist's `mountpoint`).
func serviceMounts(c *Context, s types.ServiceConfig) []hostMount {
	items := c.Project.Items(s.Name, "volumes")
	out := make([]hostMount, 0, len(s.Volumes))
	for _, v := range s.Volumes {
		m := hostMount{ServiceVolumeConfig: v, RO: v.ReadOnly, svc: s.Name}
		for _, it := range items {
			// Compose merges volumes across files by target, strongest first.
			if mountTarget(c, it.Value) == path.Clean(v.Target) {
				m.item, m.src = it.Value, it.Src
				break
			}
		}
		switch v.Type {
		case types.VolumeTypeBind, types.VolumeTypeNamedPipe:
			m.Host = cleanHost(v.Source)
			m.setRawHost(c, m.rawSource())
		case types.VolumeTypeVolume:
			if v.Source != "" {
				m.Named = v.Source
				m.hiddenBind(c)
			}
		}
		out = append(out, m)
	}
	return out
}

// hiddenBind fills Host when the named volume is a bind mount in disguise.
func (m *hostMount) hiddenBind(c *Context) {
	vol, ok := c.Project.Model.Volumes[m.Named]
	if !ok || bool(vol.External) {
		return
	}
	opts := strings.Split(vol.DriverOpts["o"], ",")
	key := ""
	switch {
	case vol.DriverOpts["device"] != "" && (hasOpt(opts, "bind") || hasOpt(opts, "rbind")):
		key = "device"
	case vol.DriverOpts["mountpoint"] != "":
		key = "mountpoint"
	default:
		return
	}
	m.Host = cleanHost(vol.DriverOpts[key])
	if m.Volume != nil && m.Volume.Subpath != "" {
		m.Host = path.Join(m.Host, m.Volume.Subpath)
	}
	m.RO = m.RO || hasOpt(opts, "ro")
	if l, ok := c.Project.LocateTop("volumes", m.Named, "driver_opts", key); ok {
		m.setRawHost(c, l.Value.Value)
	}
}

func hasOpt(opts []string, want string) bool {
	for _, o := range opts {
		if strings.TrimSpace(o) == want {
			return true
		}
	}
	return false
}

// cleanHost normalises a host path so /var/run/, //var/run and ./data/
// compare equal to their plain spelling; Windows pipe and drive paths are
// left as written.
func cleanHost(p string) string {
	if p == "" || strings.Contains(p, `\`) || (len(p) > 1 && p[1] == ':') {
		return p
	}
	c := path.Clean(p)
	if p[0] == '.' && c[0] != '.' {
		c = "./" + c
	}
	return c
}

// mountTarget reads the container path of a raw volumes item.
func mountTarget(c *Context, n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		v, err := format.ParseVolume(c.Project.Interpolate(n.Value))
		if err != nil {
			return ""
		}
		return path.Clean(v.Target)
	}
	if t := mapField(n, "target"); t != nil {
		return path.Clean(c.Project.Interpolate(t.Value))
	}
	return ""
}

// rawSource is the item's source as written: the long syntax key, or the
// first field of the short form.
func (m hostMount) rawSource() string {
	switch {
	case m.item == nil:
		return ""
	case m.item.Kind == yaml.ScalarNode:
		v, _ := format.ParseVolume(m.item.Value)
		return v.Source
	}
	if n := mapField(m.item, "source"); n != nil {
		return n.Value
	}
	return ""
}

// shown is the host path for messages: as written when it uses unknown
// variables, which the model has replaced with "".
func (m hostMount) shown() string {
	if len(m.HostVars) > 0 {
		return m.RawHost
	}
	return m.Host
}

// knownDir is the part of the host path that no unknown variable can
// change: its whole segments before the first one.
func (m hostMount) knownDir() string {
	if len(m.HostVars) == 0 {
		return m.Host
	}
	prefix, _, _ := strings.Cut(m.RawHost, "$")
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		return cleanHost(prefix[:i])
	}
	return ""
}

func (m *hostMount) setRawHost(c *Context, raw string) {
	m.RawHost = raw
	m.HostVars = c.Project.Unknown(&yaml.Node{Kind: yaml.ScalarNode, Value: raw})
}

// shortMode returns the raw mode list of a short volume spec (after
// SRC:DST), variables kept as written.
func shortMode(raw string) string {
	v, err := format.ParseVolume(raw)
	if err != nil || v.Source == "" {
		return ""
	}
	return strings.TrimPrefix(strings.TrimPrefix(raw, v.Source+":"+v.Target), ":")
}

// at is the position of a key inside a long-syntax item (bind.propagation),
// else the item, else the service's volumes key.
func (m hostMount) at(c *Context, keys ...string) compose.Position {
	if m.item == nil {
		return c.Project.Where(m.svc, "volumes")
	}
	n := m.item
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			break
		}
		f := mapField(n, k)
		if f == nil {
			break
		}
		n = f
	}
	return compose.Position{File: m.src.Path, Line: n.Line, Column: n.Column}
}

// mapField returns the value of key in a mapping node, merge keys and
// aliases followed.
func mapField(n *yaml.Node, key string) *yaml.Node {
	var out *yaml.Node
	compose.Mapping(n, func(k, v *yaml.Node) {
		if out == nil && k.Value == key {
			out = v
		}
	})
	return compose.Resolve(out)
}

// volumesFromService reads a volumes_from entry: `name` or
// `container:name`, with an optional `:ro`/`:rw`. container reports that it
// names a container outside the project.
func volumesFromService(entry string) (name string, container bool) {
	rest, container := strings.CutPrefix(entry, "container:")
	name, _, _ = strings.Cut(rest, ":")
	return name, container
}

// volumesFromPos is the line of the volumes_from item that names a service.
func volumesFromPos(c *Context, service, entry string) compose.Position {
	return c.Project.FindItem(service, func(n *yaml.Node) bool {
		return n.Kind == yaml.ScalarNode && c.Project.Interpolate(n.Value) == entry
	}, "volumes_from")
}
