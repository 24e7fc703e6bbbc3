package checks

import (
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// proxyRoute says how the reverse proxy reaches a service ("Traefik labels",
// "Caddy labels", "network proxy"), "" when it does not.
func proxyRoute(c *Context, s types.ServiceConfig) string {
	traefik, caddy := false, false
	for k := range s.Labels {
		switch {
		case strings.HasPrefix(k, "traefik.http.routers."), strings.HasPrefix(k, "traefik.tcp.routers."),
			strings.HasPrefix(k, "traefik.udp.routers."):
			traefik = true
		case strings.HasPrefix(k, "caddy"):
			caddy = true
		}
	}
	// traefik.enable decides when present, as Traefik reads it (ParseBool).
	if v, ok := s.Labels["traefik.enable"]; ok {
		on, err := strconv.ParseBool(v)
		traefik = err == nil && on
	}
	switch {
	case traefik:
		return "Traefik labels"
	case caddy:
		return "Caddy labels"
	}
	nets := make([]string, 0, len(s.Networks))
	for k := range s.Networks {
		nets = append(nets, k)
	}
	sort.Strings(nets)
	for _, k := range nets {
		if isProxyNetwork(c, k) {
			return "network " + k
		}
	}
	return ""
}

// isProxyNetwork reports whether a top-level network (by key) is one the
// policy names as the proxy's, by its key or its real name.
func isProxyNetwork(c *Context, key string) bool {
	if slices.Contains(c.Options.ProxyNetworks, key) {
		return true
	}
	n, ok := c.Project.Model.Networks[key]
	return ok && n.Name != "" && slices.Contains(c.Options.ProxyNetworks, n.Name)
}

// proxyImages are reverse proxies recognised by image name alone.
var proxyImages = map[string]bool{"traefik": true, "caddy": true, "nginx-proxy": true,
	"nginx-proxy-manager": true, "caddy-docker-proxy": true, "haproxy": true, "envoy": true, "swag": true,
	"zoraxy": true, "openresty-manager": true}

// isReverseProxy reports whether a service is the reverse proxy itself: a
// known proxy image (whatever its tag, even an unknown one), a service
// whose labels route Traefik's own dashboard (api@internal), whose command
// configures Traefik's providers or entry points, or one publishing 80/443
// that watches the engine socket to discover its routes.
func isReverseProxy(s types.ServiceConfig) bool {
	if proxyImages[imageBaseName(s.Image)] {
		return true
	}
	for _, v := range s.Labels {
		if strings.Contains(v, "api@internal") {
			return true
		}
	}
	for _, arg := range append(s.Entrypoint, s.Command...) {
		if strings.HasPrefix(arg, "--providers.") || strings.HasPrefix(arg, "--entrypoints.") {
			return true
		}
	}
	web := slices.ContainsFunc(s.Ports, func(p types.ServicePortConfig) bool {
		return p.Target == 80 || p.Target == 443 || p.Published == "80" || p.Published == "443"
	})
	return web && slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeBind && isEngineSocket(v.Source)
	})
}

// imageBaseName is the last path segment of an image's repository:
// "traefik" for docker.io/library/traefik:v3.1, and for traefik: when an
// unknown variable left the tag empty.
func imageBaseName(ref string) string {
	name, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return path.Base(strings.ToLower(name))
}
