package registry

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostPort is the host:port a test server listens on.
func hostPort(s *httptest.Server) string {
	return s.Listener.Addr().String()
}

func refused(t *testing.T, err error, allow string) {
	t.Helper()
	le := failed(t, err, Refused)
	if want := "set " + AllowPrivateSetting + "=" + allow + ")"; allow != "" && !strings.HasSuffix(le.Error(), want) {
		t.Errorf("%q: want it to end with %q", le, want)
	}
}

// An image reference on a default branch chose the host the server connects
// to: loopback, private, link-local and metadata addresses, by name or
// literal, in any IPv6 disguise, are refused before any connection.
func TestImageReferenceCannotReachLoopbackPrivateOrLinkLocalHosts(t *testing.T) {
	f := newFake(t)
	f.push("team/app", image(t, nil), appTags...)
	live := serve(t, f.record(f.reg), true)
	port := live.URL[strings.LastIndex(live.URL, ":")+1:]
	c := newClient(t, Options{Timeout: 5 * time.Second}) // the default transport
	ctx := context.Background()
	for repo, allow := range map[string]string{
		"127.0.0.1:" + port + "/team/app":          "127.0.0.1:" + port,
		"localhost:" + port + "/team/app":          "localhost:" + port, // a name resolving to loopback
		"0.0.0.0:" + port + "/team/app":            "0.0.0.0:" + port,   // Linux connects it to loopback
		"[::1]:" + port + "/team/app":              "[::1]:" + port,
		"[::ffff:127.0.0.1]:" + port + "/team/app": "[::ffff:127.0.0.1]:" + port,
		"[64:ff9b::7f00:1]:" + port + "/team/app":  "[64:ff9b::7f00:1]:" + port, // NAT64 of 127.0.0.1
		"169.254.169.254/latest/meta-data":         "169.254.169.254:443",       // cloud metadata
		"[fd00:ec2::254]/latest/meta-data":         "[fd00:ec2::254]:443",       // AWS metadata over IPv6
		"100.100.100.200/latest/meta-data":         "100.100.100.200:443",       // Alibaba metadata, in CGNAT space
		"10.0.0.5:5000/team/app":                   "10.0.0.5:5000",
		"172.17.0.1:2375/containers/json":          "172.17.0.1:2375", // the Docker host's API
		"192.168.1.1/admin/app":                    "192.168.1.1:443",
		"[fe80::1]:5000/team/app":                  "[fe80::1]:5000",
	} {
		_, err := c.Tags(ctx, repo)
		refused(t, err, allow)
		_, err = c.Digest(ctx, repo, "v1.2.3")
		refused(t, err, allow)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("the loopback registry answered %d requests", n)
	}
	le := failed(t, func() error { _, err := c.Tags(ctx, "localhost:"+port+"/team/app"); return err }(), Refused)
	if want := "refused: localhost:" + port + "/team/app (localhost:" + port + " resolves to 127.0.0.1, a loopback address; " +
		"composeguard reaches loopback, private and link-local addresses only for registries the operator allows: set COMPOSEGUARD_REGISTRY_ALLOW_PRIVATE=localhost:" + port + ")"; le.Error() != want {
		t.Errorf("message:\n%s\nwant:\n%s", le, want)
	}
}

// A homelab's own registry on its LAN is legitimate: the operator names it,
// by name, address or block, and only what is named is reached. Mirrors are
// the operator's too.
func TestNamedPrivateRegistriesAndMirrorsAreReached(t *testing.T) {
	f := newFake(t)
	f.push("team/app", image(t, nil), appTags...)
	f.push("library/postgres", image(t, nil), postgresTags...)
	live := serve(t, f.reg, true)
	other := serve(t, f.reg, true)
	port := live.URL[strings.LastIndex(live.URL, ":")+1:]
	ctx := context.Background()
	works := func(c *Client, repo string) {
		t.Helper()
		if tags, err := c.Tags(ctx, repo); err != nil || len(tags) == 0 {
			t.Errorf("%s: %v, %v", repo, tags, err)
		}
	}

	byName := newClient(t, Options{AllowPrivate: []string{"localhost:" + port}})
	works(byName, "localhost:"+port+"/team/app")
	refused(t, func() error { _, err := byName.Tags(ctx, "127.0.0.1:"+port+"/team/app"); return err }(), "127.0.0.1:"+port)
	refused(t, func() error {
		_, err := byName.Tags(ctx, "localhost:"+hostPort(other)[len("127.0.0.1:"):]+"/team/app")
		return err
	}(), "")

	byBlock := newClient(t, Options{AllowPrivate: []string{"127.0.0.0/8"}})
	works(byBlock, "127.0.0.1:"+port+"/team/app")
	works(byBlock, "localhost:"+port+"/team/app") // the name resolves into the block

	mirrored := newClient(t, Options{Mirrors: map[string]string{"docker.io": hostPort(live)}})
	works(mirrored, "docker.io/library/postgres")
}

// A registry's redirect is followed only where a lookup could go itself:
// never to a private or metadata address, never from HTTPS down to HTTP.
func TestRegistryRedirectCannotReachPrivateHostsOrDowngradeToHTTP(t *testing.T) {
	f := newFake(t)
	f.push("team/app", image(t, nil), appTags...)
	internal := serve(t, f.record(f.reg), true)
	redirectTo := func(target string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2/" {
				return
			}
			http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
		})
	}
	ctx := context.Background()
	internalPort := strings.TrimPrefix(hostPort(internal), "127.0.0.1:")
	for target, allow := range map[string]string{
		internal.URL:                                hostPort(internal), // same address, another port
		"http://localhost:" + internalPort:          "localhost:" + internalPort,
		"https://localhost:" + internalPort:         "localhost:" + internalPort,
		"https://[64:ff9b::7f00:1]:" + internalPort: "[64:ff9b::7f00:1]:" + internalPort, // NAT64 of 127.0.0.1
		// go-containerregistry itself refuses redirects to literal private
		// addresses of another host, before any request.
		"http://169.254.169.254/latest/meta-data":  "",
		"https://169.254.169.254/latest/meta-data": "",
	} {
		front := serve(t, redirectTo(target), true)
		// The front registry is allowed; where it redirects to is not.
		c := newClient(t, Options{AllowPrivate: []string{hostPort(front)}, Timeout: 5 * time.Second})
		_, err := c.Tags(ctx, hostPort(front)+"/team/app")
		if allow == "" {
			if le := unavailable(t, err); !strings.Contains(le.Error(), "redirect from \"127.0.0.1\" to private/link-local host \"169.254.169.254\" denied") {
				t.Errorf("%s: %q", target, le)
			}
			continue
		}
		refused(t, err, allow)
	}
	// A token realm is a destination too.
	realm := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="http://localhost:`+internalPort+`/token",service="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}), true)
	c := newClient(t, Options{AllowPrivate: []string{hostPort(realm)}, Timeout: 5 * time.Second})
	_, err := c.Tags(ctx, hostPort(realm)+"/team/app")
	refused(t, err, "localhost:"+internalPort)
	if n := len(f.requests()); n != 0 {
		t.Errorf("redirects and realms reached the internal registry %d times", n)
	}

	cdn := serve(t, f.record(f.reg), true)
	secureCDN := serve(t, f.reg, false)
	c = newClient(t, Options{Transport: route(map[string]*httptest.Server{
		"index.docker.io": serve(t, redirectTo("http://cdn.example"), false),
		"ghcr.io":         serve(t, redirectTo("https://cdn.example"), false),
		"cdn.example":     cdn,
	})})
	_, err = c.Tags(ctx, "docker.io/team/app")
	if le := failed(t, err, Refused); !strings.Contains(le.Error(), "cdn.example:80 would be reached over plain HTTP") {
		t.Errorf("downgrade: %q", le)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("the plain-HTTP host got %d requests", n)
	}
	// An HTTPS redirect elsewhere, as to blob storage, is followed.
	c = newClient(t, Options{Transport: route(map[string]*httptest.Server{"ghcr.io": serve(t, redirectTo("https://cdn.example"), false), "cdn.example": secureCDN})})
	if tags, err := c.Tags(ctx, "ghcr.io/team/app"); err != nil || len(tags) != len(appTags) {
		t.Errorf("HTTPS redirect: %v, %v", tags, err)
	}
}

// Through an HTTP proxy, the proxy connects, not composeguard: the proxy
// (the operator's) is reached on its private address, and the destination is
// checked on every address its name resolves to before the proxy is asked.
func TestProxiedLookupsCheckTheDestination(t *testing.T) {
	f := newFake(t)
	f.push("team/app", image(t, nil), appTags...)
	registry := serve(t, f.reg, false)

	var mu sync.Mutex
	var connects []string
	proxy := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		connects = append(connects, r.Host)
		mu.Unlock()
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		upstream, err := net.Dial("tcp", hostPort(registry))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() { _, _ = io.Copy(upstream, io.MultiReader(buf.Reader, conn)); upstream.Close() }()
		_, _ = io.Copy(conn, bufio.NewReader(upstream))
		conn.Close()
	}), true)
	proxyURL, _ := url.Parse(proxy.URL)

	d, err := newDestinations(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.proxyFor = func(*http.Request) (*url.URL, error) { return proxyURL, nil }
	d.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		return map[string][]netip.Addr{
			"registry.example": {netip.MustParseAddr("203.0.113.7")},
			"rebound.example":  {netip.MustParseAddr("203.0.113.8"), netip.MustParseAddr("169.254.169.254")},
		}[host], nil
	}
	tr := d.transport()
	pool := x509.NewCertPool()
	pool.AddCert(registry.Certificate())
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, ServerName: "example.com"}
	c := newClient(t, Options{Transport: tr})
	ctx := context.Background()

	if tags, err := c.Tags(ctx, "registry.example/team/app"); err != nil || len(tags) != len(appTags) {
		t.Errorf("through the proxy: %v, %v", tags, err)
	}
	_, err = c.Tags(ctx, "rebound.example/team/app")
	refused(t, err, "rebound.example:443")
	mu.Lock()
	defer mu.Unlock()
	for _, host := range connects {
		if host != "registry.example:443" {
			t.Errorf("the proxy was asked for %s", host)
		}
	}
}

func TestNonPublicAddresses(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1": "a loopback address", "::1": "a loopback address", "::ffff:127.0.0.1": "a loopback address",
		"10.1.2.3": "a private address", "172.31.0.1": "a private address", "192.168.0.1": "a private address", "fd12::1": "a private address",
		"169.254.169.254": "a link-local address", "fe80::1": "a link-local address",
		"0.0.0.0": "the unspecified address", "::": "the unspecified address", "0.1.2.3": "a \"this network\" address",
		"100.64.0.1": "a carrier-grade NAT address", "192.0.0.192": "an IETF protocol address",
		"224.0.0.1": "a multicast address", "ff02::1": "a multicast address", "255.255.255.255": "a reserved address",
		"64:ff9b::a9fe:a9fe": "a link-local address", "2002:a00:1::": "a private address", "::7f00:1": "an IPv4-compatible address",
		"8.8.8.8": "", "2606:4700::1111": "", "64:ff9b::808:808": "", "100.128.0.1": "",
	} {
		if got := nonPublic(netip.MustParseAddr(addr)); got != want {
			t.Errorf("nonPublic(%s) = %q, want %q", addr, got, want)
		}
	}
}

func TestParseAllowPrivate(t *testing.T) {
	got, err := ParseAllowPrivate(" registry.lan:5000, 10.0.0.5,192.168.10.0/24,[fd00::5]:5000,, localhost ")
	if err != nil || strings.Join(got, " ") != "registry.lan:5000 10.0.0.5 192.168.10.0/24 [fd00::5]:5000 localhost" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"http://registry.lan", "registry.lan/path", "bot:s3cret@registry.lan", "registry lan", "10.0.0.5:port"} {
		if _, err := ParseAllowPrivate(bad); err == nil || !strings.Contains(err.Error(), AllowPrivateSetting) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
