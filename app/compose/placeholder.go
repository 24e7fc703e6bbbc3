package compose

import (
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// placeholders picks a stand-in value for each unknown variable, by the key
// it is used under, so that a project whose .env is not committed (values
// come from the deployment) still loads and can be checked. Rules never
// judge a value built from a placeholder: they ask Project.Unknown first.
//
// The nearest key that has a stand-in decides (deploy.resources.limits.memory
// is a number, a long-form volume's target is a path), in every section, not
// only services (networks.x.external is a boolean).
func (p *Project) placeholders() map[string]string {
	out := map[string]string{}
	// A node is read once, under the first key that reaches it: aliases
	// cost nothing more.
	visited := map[*yaml.Node]bool{}
	var keys []string
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		n = Resolve(n)
		if n == nil || len(keys) > 32 || visited[n] {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			visited[n] = true
			Mapping(n, func(k, v *yaml.Node) {
				keys = append(keys, k.Value)
				visit(v)
				keys = keys[:len(keys)-1]
			})
		case yaml.SequenceNode:
			visited[n] = true
			for _, c := range n.Content {
				visit(c)
			}
		default:
			p.unknownIn(n, visited, func(name string) {
				// The first key that needs a stand-in wins: PORT used in
				// environment and in ports must still make a valid port.
				if out[name] != "" {
					return
				}
				out[name] = ""
				leading := startsPart(n.Value, name)
				for i := len(keys) - 1; i >= 0 && out[name] == ""; i-- {
					out[name] = placeholderFor(keys[i], name, leading)
				}
			})
		}
	}
	names := make([]string, 0, len(p.Sources))
	for f := range p.Sources {
		names = append(names, f)
	}
	sort.Strings(names) // the same stand-ins on every run
	for _, f := range names {
		for _, d := range p.Sources[f].Docs {
			visit(d)
		}
	}
	return out
}

var (
	boolKeys = map[string]bool{"privileged": true, "read_only": true, "init": true, "tty": true,
		"stdin_open": true, "oom_kill_disable": true, "use_api_socket": true, "disable": true,
		"external": true, "internal": true, "attachable": true, "enable_ipv6": true, "required": true,
		"create_host_path": true, "nocopy": true}
	numberKeys = map[string]bool{"cpus": true, "mem_limit": true, "memswap_limit": true, "mem_reservation": true,
		"pids_limit": true, "cpu_shares": true, "cpu_quota": true, "cpu_period": true, "shm_size": true,
		"scale": true, "cpu_count": true, "cpu_percent": true, "oom_score_adj": true,
		"memory": true, "pids": true, "replicas": true, "retries": true, "size": true}
	durationKeys = map[string]bool{"stop_grace_period": true, "interval": true, "timeout": true,
		"start_period": true, "start_interval": true}
)

// startsPart reports whether a variable begins the value or a part of it
// after a colon, where a volume's host or container path starts.
func startsPart(value, name string) bool {
	refs, _ := References(value)
	for _, r := range refs {
		if r.Name == name && !r.Escaped && (r.Start == 0 || value[r.Start-1] == ':') {
			return true
		}
	}
	return false
}

// placeholderFor is the stand-in for variable name used under key; leading
// says whether it starts the value or a part of it (startsPart). A stand-in keeps what the value
// means wherever Compose can tell: a host IP stays every interface, a bind
// mount stays a bind mount, a container name stays a valid one.
func placeholderFor(key, name string, leading bool) string {
	upper := strings.ToUpper(name)
	switch {
	case boolKeys[key]:
		return "false"
	case numberKeys[key]:
		return "1"
	case durationKeys[key]:
		return "1s"
	case key == "host_ip":
		return "0.0.0.0"
	case key == "ports" || key == "expose":
		if !strings.Contains(upper, "PORT") && (strings.Contains(upper, "IP") || strings.Contains(upper, "ADDR") ||
			strings.Contains(upper, "BIND") || strings.Contains(upper, "HOST")) {
			return "0.0.0.0"
		}
		return "1"
	case key == "volumes" && leading:
		return "/composeguard-unknown"
	case key == "volumes" || key == "container_name" || key == "image":
		return "composeguard-unknown"
	}
	return ""
}
