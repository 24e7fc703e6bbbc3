package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// namespace is one of a service's namespace keys (network_mode, pid, ipc,
// uts, userns_mode, cgroup), for the host-* rules.
type namespace struct {
	key  string // the compose key
	name string // the namespace as messages name it
	harm string // what the host's namespace gives the container
	// joinable keys may name another container's namespace (service:<s>,
	// container:<c>); Docker then shares that one, host mode included.
	// Compose resolves service: only for network_mode, pid and ipc.
	joinable bool
	mode     func(s types.ServiceConfig) string
}

// checkHostNamespace reports each service whose namespace is the host's,
// set directly or reached through a chain of service:/container: references.
func checkHostNamespace(c *Context, ns namespace) {
	g := newNamespaceGraph(c)
	for _, s := range c.Services() {
		pos := c.Project.Where(s.Name, ns.key)
		host, via, vars := g.follow(ns, s)
		switch {
		case len(vars) > 0:
			c.ReportUnknown(s.Name, pos, ns.key, vars)
		case host:
			through := ""
			if len(via) > 0 {
				through = " through " + strings.Join(via, " → ")
			}
			c.Report(Finding{Service: s.Name, Pos: pos, KeyPath: ns.key,
				Message: fmt.Sprintf("uses the host's %s namespace%s: %s", ns.name, through, ns.harm)})
		}
	}
}

// namespaceGraph finds the service a service:/container: reference joins.
type namespaceGraph struct {
	c          *Context
	services   map[string]types.ServiceConfig
	containers map[string]string // container_name → service
}

func newNamespaceGraph(c *Context) namespaceGraph {
	g := namespaceGraph{c: c, services: map[string]types.ServiceConfig{}, containers: map[string]string{}}
	for _, s := range c.Services() {
		g.services[s.Name] = s
		if s.ContainerName != "" {
			g.containers[s.ContainerName] = s.Name
		}
	}
	return g
}

// follow walks from s along references until a mode that is not one. It
// returns whether the walk ends in host mode, the references passed through,
// and the unknown variables met on the way (then there is no verdict). A
// cycle, or a container outside the project, ends the walk without one.
func (g namespaceGraph) follow(ns namespace, s types.ServiceConfig) (host bool, via, vars []string) {
	seen := map[string]bool{}
	for !seen[s.Name] {
		seen[s.Name] = true
		if vars := strongestUnknown(g.c, s.Name, ns.key); len(vars) > 0 {
			return false, nil, vars
		}
		m := ns.mode(s)
		if m == "host" {
			return true, via, nil
		}
		next, ok := g.target(m)
		if !ns.joinable || !ok {
			return false, nil, nil
		}
		via = append(via, m)
		s = next
	}
	return false, nil, nil
}

// target is the service a reference names: service:<s>, or container:<c>
// where c is a service's container_name or the name Compose gives its
// containers (<project>-<service>-<n>).
func (g namespaceGraph) target(ref string) (types.ServiceConfig, bool) {
	if name, ok := strings.CutPrefix(ref, types.ServicePrefix); ok {
		s, ok := g.services[name]
		return s, ok
	}
	name, ok := strings.CutPrefix(ref, types.ContainerPrefix)
	if !ok {
		return types.ServiceConfig{}, false
	}
	if svc, ok := g.containers[name]; ok {
		return g.services[svc], true
	}
	rest, ok := strings.CutPrefix(name, g.c.Project.Model.Name+"-")
	i := strings.LastIndex(rest, "-")
	if !ok || i < 0 {
		return types.ServiceConfig{}, false
	}
	if n, err := strconv.Atoi(rest[i+1:]); err != nil || n < 1 {
		return types.ServiceConfig{}, false
	}
	s, found := g.services[rest[:i]]
	// a fixed container_name replaces the generated one
	return s, found && s.ContainerName == ""
}

// strongestUnknown lists the unknown variables of the value Compose keeps
// for a scalar key: the strongest file's, since a scalar set in an override
// or an extending service replaces the weaker ones.
func strongestUnknown(c *Context, service string, keys ...string) []string {
	l, ok := c.Project.Locate(service, keys...)
	if !ok {
		return nil
	}
	return c.Project.Unknown(l.Value)
}
