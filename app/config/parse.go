package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// parseDatabaseURL accepts sqlite:///abs/path.db and sqlite://relative.db,
// the latter resolved from the working directory so the URL it returns
// names the file by its absolute path, and postgres:// (postgresql://)
// URLs. Its messages never quote a value that may hold a password.
func parseDatabaseURL(raw string) (DatabaseURL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	switch {
	case !ok:
		return "", databaseSetting.errorf("must look like sqlite:///abs/path.db, sqlite://relative.db or postgres://user:password@host/database")
	case scheme == "postgres" || scheme == "postgresql":
		if _, err := url.Parse(raw); err != nil {
			return "", databaseSetting.errorf("is not a valid PostgreSQL URL: want postgres://user:password@host:port/database?option=value")
		}
		return DatabaseURL(raw), nil
	case scheme != "sqlite":
		return "", databaseSetting.errorf("has the unknown scheme %q: use sqlite:// or postgres://", scheme)
	case rest == "":
		return "", databaseSetting.errorf("names no file: use sqlite:///abs/path.db or sqlite://relative.db")
	case strings.ContainsAny(rest, "?#"):
		return "", databaseSetting.errorf("must be a plain file path without ? or #, got %q", raw)
	}
	path, err := filepath.Abs(rest)
	if err != nil {
		return "", databaseSetting.errorf("cannot be resolved: %v", err)
	}
	return DatabaseURL("sqlite://" + path), nil
}

// parseProxies reads comma-separated addresses and CIDR ranges; an address
// is a range of one.
func parseProxies(raw string) ([]*net.IPNet, error) {
	var proxies []*net.IPNet
	for item := range strings.SplitSeq(raw, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(item)
		if err != nil {
			addr, addrErr := netip.ParseAddr(item)
			if addrErr != nil {
				return nil, proxiesSetting.errorf("must list addresses or CIDR ranges, got %q", item)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		prefix = prefix.Masked()
		proxies = append(proxies, &net.IPNet{IP: prefix.Addr().AsSlice(), Mask: net.CIDRMask(prefix.Bits(), prefix.Addr().BitLen())})
	}
	return proxies, nil
}

// parseURL accepts an absolute http(s) URL for s and makes sure it ends
// with a slash.
func parseURL(s setting, raw string) (*url.URL, error) {
	u, err := checkURL(s, raw)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// checkURL accepts an absolute http(s) URL without credentials for s.
func checkURL(s setting, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, s.errorf("is not a URL")
	case u.User != nil:
		return nil, s.errorf("must not carry credentials")
	case (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return nil, s.errorf("must be an absolute http(s) URL, got %q", raw)
	}
	return u, nil
}

// checkRSAKey makes sure a PEM holds an RSA private key, the kind GitHub
// issues for Apps. Its messages never quote the key.
func checkRSAKey(data []byte) error {
	block, _ := pem.Decode(data)
	if block == nil {
		return errors.New("is not a PEM private key")
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return errors.New("holds a PEM block that is not a private key")
	}
	if _, ok := key.(*rsa.PrivateKey); !ok {
		return errors.New("is not an RSA key: GitHub Apps sign with RSA")
	}
	return nil
}

// parseDuration accepts a positive Go duration such as 90s or 2m.
func parseDuration(s setting, raw string) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, s.errorf("must be a positive duration like 90s or 2m, got %q", raw)
	}
	return d, nil
}
