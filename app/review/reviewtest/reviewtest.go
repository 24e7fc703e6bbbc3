// Package reviewtest holds the compose fixtures that the review flow's tests
// and the server's end-to-end tests share, so a test's findings come only
// from what it changes, and an in-memory review.Store (Store).
package reviewtest

import (
	"strings"
	"testing"
)

// Hardened is a service that passes every rule.
func Hardened(name string) string {
	return `  ` + name + `:
    image: ghcr.io/acme/` + name + `:1.4.2
    user: "1000:1000"
    read_only: true
    tmpfs: [/tmp, /run]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    networks: [backend]
    healthcheck:
      test: ["CMD", "/app", "health"]
    restart: unless-stopped
    deploy:
      resources:
        limits: {cpus: "1.0", memory: 512M, pids: 200}
    logging:
      driver: json-file
      options: {max-size: 10m, max-file: "3"}
`
}

// Insecure is a service with a critical and a medium problem on lines of
// their own, and several missing settings reported on its name's line.
func Insecure(name, port string) string {
	return `  ` + name + `:
    image: nginx:1.27
    privileged: true
    ports:
      - "` + port + `:80"
`
}

// Privileged is a hardened service but for privileged mode, its one
// problem that fails the default policy.
func Privileged(name string) string {
	return strings.Replace(Hardened(name), "    read_only: true\n", "    read_only: true\n    privileged: true\n", 1)
}

// Stack is a compose file of services on the backend network.
func Stack(services ...string) string {
	return "services:\n" + strings.Join(services, "") + "networks:\n  backend: {}\n"
}

// LineOf is the 1-based line of the first line of content holding s after
// the first line holding after ("" for the start).
func LineOf(t testing.TB, content, after, s string) int {
	t.Helper()
	seen := after == ""
	for i, l := range strings.Split(content, "\n") {
		seen = seen || strings.Contains(l, after)
		if seen && strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no %q after %q", s, after)
	return 0
}
