package checks

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

var _ = register(&Rule{
	ID:          "duplicate-host-port",
	Category:    Operability,
	Severity:    Medium,
	SeverityWhy: "The second service fails to start with \"port is already allocated\", which `docker compose up` reports at once; no security impact.",
	Title:       "Host port published twice",
	Why:         "Only one container can bind a host address and port: the second service to start fails with \"port is already allocated\".",
	Fix:         "Give each service its own host port, or bind them to different host IPs.",
	Run: func(c *Context) {
		var seen []hostBinding
		for _, s := range servicesInFileOrder(c) {
			for _, p := range servicePorts(c, s) {
				b := newHostBinding(s, p)
				vars := slices.Concat(p.IPVars, p.PortVars)
				if p.Item == nil {
					// No raw item reads as this entry: the loader built it
					// from placeholders for unknown variables.
					vars = c.Unknown(s.Name, "ports")
				}
				if len(vars) > 0 {
					b.unknown = true
					if b.mayMeet(c, s) {
						c.ReportUnknown(s.Name, p.Pos, "ports", vars)
					}
				}
				if !b.unknown && b.lo > 0 {
					if other, ok := b.conflict(seen); ok {
						by := "service " + other.service.Name
						if other.service.Name == s.Name {
							by = "this service"
						}
						c.Report(Finding{Service: s.Name, Pos: p.Pos, KeyPath: "ports",
							Message: fmt.Sprintf("%s clashes with %s of %s: the second to start cannot bind it", b.describe(), other.describe(), by)})
					}
				}
				seen = append(seen, b)
			}
		}
	},
})

// hostBinding is the host side of one published port.
type hostBinding struct {
	publishedPort
	service types.ServiceConfig
	ip      string // "" for every interface
	proto   string
	lo, hi  int // 0 for an ephemeral port
	// floating is a host range for one container port: Docker takes one
	// free port of the range, so two floating ranges can share it.
	floating bool
	unknown  bool
}

func newHostBinding(s types.ServiceConfig, p publishedPort) hostBinding {
	b := hostBinding{publishedPort: p, service: s, ip: strings.Trim(p.HostIP, "[]"), proto: strings.ToLower(p.Protocol)}
	if b.proto == "" {
		b.proto = "tcp"
	}
	if lo, hi, ok := p.hostRange(); ok {
		b.lo, b.hi, b.floating = lo, hi, hi > lo
	}
	return b
}

// conflict returns the first earlier binding that takes the same host port.
func (b hostBinding) conflict(seen []hostBinding) (hostBinding, bool) {
	for _, o := range seen {
		if o.unknown || o.lo == 0 || o.proto != b.proto || (o.floating && b.floating) ||
			o.hi < b.lo || b.hi < o.lo || !sameAddress(o.ip, b.ip) || !canRunTogether(o.service, b.service) ||
			(o.service.Name == b.service.Name && o.entryKey() == b.entryKey()) {
			continue
		}
		return o, true
	}
	return hostBinding{}, false
}

// entryKey is how compose-go tells a service's port entries apart: items
// with the same key (an override repeating "8080:80", or "8080:80" beside
// "0.0.0.0:8080:80") merge into one binding.
func (b hostBinding) entryKey() string {
	ip := b.ip
	if ip == "" {
		ip = "0.0.0.0"
	}
	return fmt.Sprintf("%s:%s:%d/%s", ip, b.Published, b.Target, b.proto)
}

// mayMeet reports whether a binding whose host side is unknown could clash
// for some value of its variables: another published port of the same
// protocol runs beside it on a fixed host port (Docker picks a free one for
// an ephemeral port), one the binding's own port range reaches when only
// its host IP is unknown.
func (b hostBinding) mayMeet(c *Context, self types.ServiceConfig) bool {
	if len(b.PortVars) == 0 && b.lo == 0 {
		return false
	}
	for _, s := range c.Services() {
		if !canRunTogether(s, self) {
			continue
		}
		for _, p := range servicePorts(c, s) {
			o := newHostBinding(s, p)
			fixed := o.lo > 0 || len(o.PortVars) > 0
			reach := len(b.PortVars) > 0 || len(o.PortVars) > 0 || (o.lo <= b.hi && b.lo <= o.hi)
			if o.proto == b.proto && fixed && reach && (s.Name != self.Name || o.Pos != b.Pos) {
				return true
			}
		}
	}
	return false
}

func (b hostBinding) describe() string {
	if b.ip == "" {
		return b.publishedPort.describe()
	}
	return b.publishedPort.describe() + " on " + b.ip
}

// sameAddress reports whether two host IPs share a socket address, as the
// daemon's port allocator sees it: no IP or 0.0.0.0 takes the port on every
// address, :: on every IPv6 address.
func sameAddress(a, b string) bool {
	pa, errA := netip.ParseAddr(a)
	pb, errB := netip.ParseAddr(b)
	if a == "" || b == "" || errA != nil || errB != nil {
		return a == "" || b == "" || a == b
	}
	pa, pb = pa.Unmap(), pb.Unmap()
	switch {
	case pa == pb, pa == netip.IPv4Unspecified(), pb == netip.IPv4Unspecified():
		return true
	case pa == netip.IPv6Unspecified():
		return pb.Is6()
	case pb == netip.IPv6Unspecified():
		return pa.Is6()
	}
	return false
}
