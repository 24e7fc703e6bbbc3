package compose

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// placeholders picks a stand-in value for each unknown variable, by the key
// it is used under, so that a project whose .env is not committed (values
// come from the deployment) still loads and can be checked. Rules never
// judge a value built from a placeholder: they ask Project.Unknown first.
func (p *Project) placeholders() map[string]string {
	out := map[string]string{}
	for _, src := range p.Sources {
		for _, d := range src.Docs {
			_, services := lookup(d, "services")
			Mapping(services, func(_, sv *yaml.Node) {
				Mapping(sv, func(k, v *yaml.Node) {
					for _, name := range p.Unknown(v) {
						if _, done := out[name]; !done {
							out[name] = placeholderFor(k.Value, name)
						}
					}
				})
			})
		}
	}
	return out
}

var (
	boolKeys = map[string]bool{"privileged": true, "read_only": true, "init": true, "tty": true,
		"stdin_open": true, "oom_kill_disable": true, "use_api_socket": true}
	numberKeys = map[string]bool{"cpus": true, "mem_limit": true, "memswap_limit": true, "mem_reservation": true,
		"pids_limit": true, "cpu_shares": true, "cpu_quota": true, "cpu_period": true, "shm_size": true,
		"scale": true, "cpu_count": true, "cpu_percent": true, "oom_score_adj": true, "stop_grace_period": true}
)

func placeholderFor(key, name string) string {
	upper := strings.ToUpper(name)
	switch {
	case boolKeys[key]:
		return "false"
	case numberKeys[key]:
		return "1"
	case key == "ports" || key == "expose":
		if strings.Contains(upper, "IP") || strings.Contains(upper, "ADDR") || strings.Contains(upper, "BIND") || strings.Contains(upper, "HOST") {
			return "127.0.0.1"
		}
		return "1"
	case key == "volumes":
		return "/composeguard-unknown"
	case key == "image":
		return "unknown"
	}
	return ""
}
