package checks

import (
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// namePattern is a container_name as written: its literal pieces, with an
// unknown variable, which may stand for any text, between each two. A name
// with no unknown variable is one piece.
type namePattern []string

// containerName reads a service's container_name; the daemon strips one
// leading slash. vars are the unknown variables it uses.
func containerName(c *Context, s types.ServiceConfig) (p namePattern, vars []string) {
	raw := s.ContainerName
	if l, ok := c.Project.Locate(s.Name, "container_name"); ok {
		if vars = c.Project.Unknown(l.Value); len(vars) > 0 {
			raw = markUnknown(c.Project, l.Value.Value, vars)
		}
	}
	return strings.Split(strings.TrimPrefix(raw, "/"), unknownMark), vars
}

// fill writes the name with every unknown variable set to v.
func (p namePattern) fill(v string) string { return strings.Join(p, v) }

// mayEqual reports whether some values of the unknown variables make two
// names equal. Any text may stand where a variable is, so two patterns
// meet when their literal starts agree and their literal ends agree:
// ${P}-auth and ${P}-storage never do.
func (p namePattern) mayEqual(o namePattern) bool {
	switch {
	case len(p) == 1 && len(o) == 1:
		return p[0] == o[0]
	case len(o) == 1:
		return p.matches(o[0])
	case len(p) == 1:
		return o.matches(p[0])
	}
	agree := func(a, b string, same func(string, string) bool) bool { return same(a, b) || same(b, a) }
	return agree(p[0], o[0], strings.HasPrefix) && agree(p[len(p)-1], o[len(o)-1], strings.HasSuffix)
}

// matches reports whether some values of the unknown variables spell name.
func (p namePattern) matches(name string) bool {
	if !strings.HasPrefix(name, p[0]) {
		return false
	}
	rest := name[len(p[0]):]
	for _, piece := range p[1 : len(p)-1] {
		i := strings.Index(rest, piece)
		if i < 0 {
			return false
		}
		rest = rest[i+len(piece):]
	}
	return strings.HasSuffix(rest, p[len(p)-1])
}
