package checks

import (
	"sort"

	"github.com/composeguard/composeguard/app/compose"
)

var _ = register(&Rule{
	ID:          "proxy-network-not-external",
	Category:    Network,
	Severity:    Low,
	SeverityWhy: "`docker compose down` may try to remove a network other stacks use: a disruption, not an exposure.",
	Title:       "Reverse-proxy network not external",
	Why:         "This stack creates the network other stacks share with the proxy, and `docker compose down` tries to remove it from under them.",
	Fix:         "Create the network once (`docker network create proxy`) and declare it with `external: true` in every stack.",
	Run: func(c *Context) {
		for _, key := range proxyNetworkKeys(c) {
			loc, ok := c.Project.LocateTop("networks", key)
			if !ok || loc.Key == nil {
				continue // the implicit default network has no line to fix
			}
			// An unknown variable in external: fails the load, so the
			// model's value is the whole story.
			if c.Project.Model.Networks[key].External {
				continue
			}
			pos := compose.Position{File: loc.Src.Path, Line: loc.Key.Line, Column: loc.Key.Column}
			c.Report(Finding{Pos: pos, KeyPath: "networks." + key + ".external",
				Message: "network " + key + " is shared with the reverse proxy but not external: this stack creates and removes it"})
		}
	},
})

// proxyNetworkKeys returns the top-level networks the reverse proxy shares
// with the services it routes: those the policy names, those a
// traefik.docker.network label names, and, for a routed service (or the
// proxy) joining none of these, its networks that no other service joins.
func proxyNetworkKeys(c *Context) []string {
	services := c.Services()
	labelled := map[string]bool{}
	side := map[string]bool{}
	outside := map[string]bool{} // joined by a service neither routed nor the proxy
	for _, s := range services {
		if v := s.Labels["traefik.docker.network"]; v != "" {
			labelled[v] = true
		}
		side[s.Name] = proxyRoute(c, s) != "" || isReverseProxy(s)
		for k := range s.Networks {
			outside[k] = outside[k] || !side[s.Name]
		}
	}
	known := map[string]bool{}
	for k, n := range c.Project.Model.Networks {
		// Traefik's label names the real network, project prefix or not.
		if isProxyNetwork(c, k) || labelled[k] || labelled[n.Name] {
			known[k] = true
		}
	}
	found := map[string]bool{}
	for k := range known {
		found[k] = true
	}
	for _, s := range services {
		if !side[s.Name] || joinsAny(s.Networks, known) {
			continue
		}
		for k := range s.Networks {
			if !outside[k] {
				found[k] = true
			}
		}
	}
	out := make([]string, 0, len(found))
	for k := range found {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func joinsAny[V any](nets map[string]V, keys map[string]bool) bool {
	for k := range nets {
		if keys[k] {
			return true
		}
	}
	return false
}
