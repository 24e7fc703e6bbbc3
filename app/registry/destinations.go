package registry

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// AllowPrivateSetting is the setting (environment variable) naming the
// registries on loopback, private or link-local addresses that lookups may
// reach; refusals say to set it.
const AllowPrivateSetting = "COMPOSEGUARD_REGISTRY_ALLOW_PRIVATE"

// ParseAllowPrivate parses AllowPrivateSetting, a comma-separated list of
// host[:port] names, IP addresses (with or without a port) and CIDR blocks:
// "registry.lan:5000,10.0.0.5,192.168.10.0/24".
func ParseAllowPrivate(s string) ([]string, error) {
	var out []string
	for entry := range strings.SplitSeq(s, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		if _, err := parseAllowed(entry); err != nil {
			return nil, err
		}
		out = append(out, entry)
	}
	return out, nil
}

// destinations decides which hosts lookups may connect to. Image references
// come from repositories, so by default only public addresses are reached,
// checked on the address actually dialled (a name that resolves, or later
// re-resolves, to a private address is refused too). Hosts the operator
// named — allowed private registries, mirrors, plain-HTTP registries — are
// reached wherever they are.
type destinations struct {
	names map[string]bool // "host" (any port) or "host:port", lower case
	addrs []allowedAddr

	// proxyFor picks the proxy of a request (http.ProxyFromEnvironment);
	// lookup resolves a name a proxy will connect to. Tests replace both.
	proxyFor func(*http.Request) (*url.URL, error)
	lookup   func(ctx context.Context, host string) ([]netip.Addr, error)
	proxies  sync.Map // host:port of proxies in use → true
}

type allowedAddr struct {
	prefix netip.Prefix
	port   string // "" for any
}

// allowEntry is one parsed entry of AllowPrivateSetting: a name or an
// address.
type allowEntry struct {
	name string // lower-case host or host:port; "" for an address
	addr allowedAddr
}

func parseAllowed(entry string) (allowEntry, error) {
	if p, err := netip.ParsePrefix(entry); err == nil {
		return allowEntry{addr: allowedAddr{prefix: p.Masked()}}, nil
	}
	if a, err := netip.ParseAddr(entry); err == nil {
		a = a.Unmap()
		return allowEntry{addr: allowedAddr{prefix: netip.PrefixFrom(a, a.BitLen())}}, nil
	}
	if ap, err := netip.ParseAddrPort(entry); err == nil {
		a := ap.Addr().Unmap()
		return allowEntry{addr: allowedAddr{prefix: netip.PrefixFrom(a, a.BitLen()), port: fmt.Sprint(ap.Port())}}, nil
	}
	if strings.Contains(entry, "@") {
		return allowEntry{}, fmt.Errorf("%s: an entry carries user:password@; it takes host[:port], IP addresses and CIDR blocks", AllowPrivateSetting)
	}
	if _, err := registryHost(entry); err != nil || strings.Contains(entry, "/") {
		return allowEntry{}, fmt.Errorf("%s: %q is not a host[:port], an IP address or a CIDR block", AllowPrivateSetting, entry)
	}
	return allowEntry{name: strings.ToLower(entry)}, nil
}

func newDestinations(allowPrivate []string, operatorHosts []string) (*destinations, error) {
	d := &destinations{
		names:    map[string]bool{},
		proxyFor: http.ProxyFromEnvironment,
		lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
	}
	for _, entry := range allowPrivate {
		a, err := parseAllowed(strings.TrimSpace(entry))
		if err != nil {
			return nil, err
		}
		if a.name != "" {
			d.names[a.name] = true
		} else {
			d.addrs = append(d.addrs, a.addr)
		}
	}
	for _, host := range operatorHosts {
		d.names[strings.ToLower(host)] = true
	}
	return d, nil
}

// namedByOperator reports whether host and port (as dialled or requested)
// were named by the operator.
func (d *destinations) namedByOperator(host, port string) bool {
	host = strings.ToLower(strings.Trim(host, "[]"))
	if d.names[host] || d.names[net.JoinHostPort(host, port)] {
		return true
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return d.allowsAddr(a, port)
	}
	return false
}

func (d *destinations) allowsAddr(a netip.Addr, port string) bool {
	a = a.Unmap()
	for _, allow := range d.addrs {
		if allow.prefix.Contains(a) && (allow.port == "" || allow.port == port) {
			return true
		}
	}
	return false
}

// transport is remote.DefaultTransport dialling through the check.
func (d *destinations) transport() *http.Transport {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = d.dial
	t.Proxy = d.proxy
	return t
}

// dial connects to addr unless it is, or resolves to, an address that
// lookups must not reach.
func (d *destinations) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	dialer := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if _, proxy := d.proxies.Load(addr); proxy || d.namedByOperator(host, port) {
		return dialer.DialContext(ctx, network, addr)
	}
	// Control runs once the name is resolved, for the very address about
	// to be connected to.
	dialer.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		return d.check(host, port, ap.Addr())
	}
	return dialer.DialContext(ctx, network, addr)
}

// check refuses a, the address host resolved to, unless it is public or
// allowed.
func (d *destinations) check(host, port string, a netip.Addr) error {
	if reason := nonPublic(a); reason != "" && !d.allowsAddr(a, port) {
		return &RefusedError{Host: net.JoinHostPort(host, port), Addr: a.Unmap(), Reason: reason}
	}
	return nil
}

// proxy sends a request through the proxy of the environment, if any. The
// proxy is the operator's, so it is reached wherever it is; the proxy then
// connects to the destination, which is therefore checked here, on every
// address its name resolves to.
func (d *destinations) proxy(req *http.Request) (*url.URL, error) {
	proxy, err := d.proxyFor(req)
	if proxy == nil || err != nil {
		return proxy, err
	}
	host, port := req.URL.Hostname(), portOf(req.URL)
	if !d.namedByOperator(host, port) {
		addrs, err := d.lookup(req.Context(), host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if err := d.check(host, port, a); err != nil {
				return nil, err
			}
		}
	}
	d.proxies.Store(net.JoinHostPort(proxy.Hostname(), portOf(proxy)), true)
	return proxy, nil
}

// portOf is u's port, or its scheme's, as net/http dials it.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch u.Scheme {
	case "http":
		return "80"
	case "socks5", "socks5h":
		return "1080"
	}
	return "443"
}

// checkPlainHTTP refuses a request to u without TLS unless it goes to a host
// the operator named, or to private addresses the operator allowed: neither
// an image reference nor a registry's redirect downgrades a lookup to plain
// HTTP on the way to a public host.
func (d *destinations) checkPlainHTTP(ctx context.Context, u *url.URL) error {
	host, port := u.Hostname(), portOf(u)
	if u.Scheme != "http" || d.namedByOperator(host, port) {
		return nil
	}
	plain := &RefusedError{Host: net.JoinHostPort(host, port)}
	addrs := []netip.Addr{}
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, a)
	} else if len(d.addrs) > 0 {
		// Only an allowed address can make plain HTTP acceptable.
		if addrs, err = d.lookup(ctx, host); err != nil {
			return err
		}
	}
	if len(addrs) == 0 {
		return plain
	}
	for _, a := range addrs {
		if err := d.check(host, port, a); err != nil {
			return err
		}
		if nonPublic(a) == "" {
			return plain
		}
	}
	return nil
}

// RefusedError is a destination lookups do not reach: a loopback, private,
// link-local or otherwise non-public address, or plain HTTP to a host the
// operator did not name.
type RefusedError struct {
	Host   string     // host:port as requested
	Addr   netip.Addr // what Host resolved to; invalid for plain HTTP
	Reason string     // "a loopback address"; "" for plain HTTP
}

func (e *RefusedError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("%s would be reached over plain HTTP, which composeguard speaks only to registries named in %s and http:// mirrors", e.Host, AllowPrivateSetting)
	}
	what := e.Host + " resolves to " + e.Addr.String() + ", " + e.Reason
	if host, _, _ := net.SplitHostPort(e.Host); host == e.Addr.String() {
		what = e.Host + " is " + e.Reason
	}
	return fmt.Sprintf("%s; composeguard reaches loopback, private and link-local addresses only for registries the operator allows: set %s=%s", what, AllowPrivateSetting, e.Host)
}

var nonPublicRanges = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local NAT64 address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// nonPublic says why a is no public address (IPv4-mapped, NAT64 and 6to4
// forms are judged by the IPv4 address they carry), "" when it is public.
func nonPublic(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsMulticast():
		return "a multicast address"
	}
	for _, r := range nonPublicRanges {
		if r.prefix.Contains(a) {
			return r.reason
		}
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return nonPublic(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return nonPublic(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return ""
}
