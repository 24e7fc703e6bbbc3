package checks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// publishedPort is one port a service publishes, tied to the raw ports item
// that wrote it so findings land on that line.
type publishedPort struct {
	types.ServicePortConfig
	Pos  compose.Position
	Item *yaml.Node // nil for a model port no raw item explains
	// IPVars, PortVars and TargetVars are the unknown variables the host
	// IP, host port and container port depend on; the port holds a stand-in
	// there (every interface, an ephemeral host port, container port 1).
	IPVars, PortVars, TargetVars []string
}

// servicePorts returns what a service publishes, item by item, so each
// line that publishes is reported even where compose-go merged duplicates
// ("8080:80" and "0.0.0.0:8080:80" are one port). Model ports no item
// explains are reported at the ports key. With network_mode: host Docker
// ignores ports: (host-network-mode reports that service instead).
func servicePorts(c *Context, s types.ServiceConfig) []publishedPort {
	if s.NetworkMode == "host" {
		return nil
	}
	claimed := make([]bool, len(s.Ports))
	var out []publishedPort
	for _, it := range c.Project.Items(s.Name, "ports") {
		p, ports := parseItem(c, it)
		for _, q := range ports {
			i := slices.IndexFunc(s.Ports, func(m types.ServicePortConfig) bool { return p.matches(q, m) })
			if i >= 0 {
				claimed[i] = true
				p.ServicePortConfig = q
				out = append(out, p)
			}
		}
	}
	for i, m := range s.Ports {
		if !claimed[i] {
			out = append(out, publishedPort{ServicePortConfig: m, Pos: c.Project.Where(s.Name, "ports")})
		}
	}
	return out
}

// parseItem parses a raw ports item as compose-go does: a short string or
// integer through Docker's port-spec parser (a container range expands to
// several ports), a long mapping field by field. Parts written with unknown
// variables get stand-ins and are listed in the returned port's fields.
func parseItem(c *Context, it compose.Located) (publishedPort, []types.ServicePortConfig) {
	p := publishedPort{Pos: it.Pos, Item: it.Value}
	part := func(text string, vars *[]string, standIn string) string {
		if *vars = c.Project.Unknown(&yaml.Node{Kind: yaml.ScalarNode, Value: text}); len(*vars) > 0 {
			return standIn
		}
		return c.Project.Interpolate(text)
	}
	n := it.Value
	if n.Kind == yaml.ScalarNode {
		ip, host, container := splitPortSpec(n.Value)
		proto := ""
		if i := strings.LastIndex(container, "/"); i >= 0 && !strings.Contains(container[i:], "$") {
			container, proto = container[:i], container[i:]
		}
		// "80", ":80" and "::80" parse alike, so the spec is rebuilt whole.
		spec := part(ip, &p.IPVars, "") + ":" + part(host, &p.PortVars, "") + ":" + part(container, &p.TargetVars, "1") + proto
		ports, _ := types.ParsePortConfig(spec)
		return p, ports
	}
	field := func(key string, vars *[]string, standIn string) string {
		if f := mapField(n, key); f != nil {
			return part(f.Value, vars, standIn)
		}
		return ""
	}
	var protoVars []string
	target, err := strconv.ParseUint(field("target", &p.TargetVars, "1"), 10, 32)
	if err != nil {
		return p, nil
	}
	return p, []types.ServicePortConfig{{Target: uint32(target), Published: field("published", &p.PortVars, ""),
		HostIP: field("host_ip", &p.IPVars, ""), Protocol: field("protocol", &protoVars, "")}}
}

// matches reports whether q, parsed from the item, is the model's port m. A
// part built from unknown variables is not compared: the loader may have
// filled it with a stand-in value of its own.
func (p publishedPort) matches(q, m types.ServicePortConfig) bool {
	proto := func(s string) string {
		if s == "" {
			return "tcp"
		}
		return strings.ToLower(s)
	}
	ip := func(s string) string {
		if s = strings.Trim(s, "[]"); s == "" {
			return "0.0.0.0"
		}
		return s
	}
	return proto(q.Protocol) == proto(m.Protocol) &&
		(len(p.TargetVars) > 0 || q.Target == m.Target) &&
		(len(p.PortVars) > 0 || q.Published == m.Published) &&
		(len(p.IPVars) > 0 || ip(q.HostIP) == ip(m.HostIP))
}

// splitPortSpec cuts a short port spec into [IP:]HOST:CONTAINER the way
// Docker's nat.ParsePortSpec does (the last two colon-separated parts are
// the ports, everything before is the IP, brackets included), ignoring
// colons inside ${...} so defaults stay whole.
func splitPortSpec(raw string) (ip, host, container string) {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] == '$' && i+1 < len(raw) && raw[i+1] == '{':
			depth++
			i++
		case raw[i] == '}' && depth > 0:
			depth--
		case raw[i] == ':' && depth == 0:
			parts = append(parts, raw[start:i])
			start = i + 1
		}
	}
	parts = append(parts, raw[start:])
	n := len(parts)
	container = parts[n-1]
	if n >= 2 {
		host = parts[n-2]
	}
	if n >= 3 {
		ip = strings.Join(parts[:n-2], ":")
	}
	return ip, host, container
}

// hostRange returns the first and last host port; ok is false when Docker
// picks an ephemeral host port.
func (p publishedPort) hostRange() (lo, hi int, ok bool) {
	first, last, isRange := strings.Cut(p.Published, "-")
	lo, err := strconv.Atoi(first)
	if err != nil {
		return 0, 0, false
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(last); err != nil {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

// describe names the host side of the port for a message.
func (p publishedPort) describe() string {
	proto := ""
	if p.Protocol != "" && p.Protocol != "tcp" {
		proto = "/" + p.Protocol
	}
	switch {
	case len(p.PortVars) > 0:
		return "host port " + varText(p.PortVars) + proto
	case p.Published == "" && len(p.TargetVars) > 0:
		return "container port " + varText(p.TargetVars) + proto + " on a random host port"
	case p.Published == "":
		return fmt.Sprintf("container port %d%s on a random host port", p.Target, proto)
	case strings.Contains(p.Published, "-"):
		return "host ports " + p.Published + proto
	}
	return "host port " + p.Published + proto
}

func varText(vars []string) string { return "${" + strings.Join(vars, "}${") + "}" }

// directIP reports whether a host IP is reachable from other machines:
// neither loopback nor an interface the policy declares safe.
func directIP(c *Context, ip string) bool {
	ip = strings.Trim(ip, "[]")
	return !isLoopback(ip) && !slices.ContainsFunc(c.Options.HostIPs, func(h string) bool { return strings.Trim(h, "[]") == ip })
}

// proxyPortsOnly reports whether every host port of p is on the allow-list
// of ports that may be published next to a reverse proxy.
func proxyPortsOnly(c *Context, p publishedPort) bool {
	lo, hi, ok := p.hostRange()
	if !ok {
		return false
	}
	for port := lo; port <= hi; port++ {
		if !slices.Contains(c.Options.ProxyPorts, port) {
			return false
		}
	}
	return true
}
