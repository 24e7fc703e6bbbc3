package config

import (
	"net"
	"net/url"
)

// ReadinessURL is where serve answers readiness on this machine, from
// COMPOSEGUARD_LISTEN as serve reads it (`composeguard healthcheck` probes
// it inside the container): a wildcard host, `:8080`, `0.0.0.0:8080` or
// `[::]:8080`, is reached on loopback.
func ReadinessURL(getenv func(string) string) (*url.URL, error) {
	listen := getenv(listenSetting.env)
	if listen == "" {
		listen = listenSetting.fallback
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, listenSetting.errorf("must be host:port or :port, got %q", listen)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/readyz"}, nil
}
