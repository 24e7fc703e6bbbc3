package checks

import (
	"strings"
)

// securityOpt is one security_opt entry split the way the daemon splits it.
type securityOpt struct {
	Raw   string
	Key   string
	Value string
	Sep   string // "=", ":" or "" for bare no-new-privileges
}

// splitSecurityOpt follows moby's parseSecurityOpt: bare no-new-privileges
// stands alone; any other entry is cut at the first "=" if it has one,
// otherwise at the first ":" (the deprecated spelling).
func splitSecurityOpt(raw string) securityOpt {
	o := securityOpt{Raw: raw}
	if raw == "no-new-privileges" {
		o.Key, o.Value = raw, "true"
		return o
	}
	if i := strings.Index(raw, "="); i >= 0 {
		o.Key, o.Value, o.Sep = raw[:i], raw[i+1:], "="
	} else if i := strings.Index(raw, ":"); i >= 0 {
		o.Key, o.Value, o.Sep = raw[:i], raw[i+1:], ":"
	} else {
		o.Key = raw
	}
	return o
}

// securityOpts splits every entry.
func securityOpts(entries []string) []securityOpt {
	out := make([]securityOpt, 0, len(entries))
	for _, e := range entries {
		out = append(out, splitSecurityOpt(e))
	}
	return out
}

// capability normalises a capability name as the daemon does: upper case,
// with the CAP_ prefix, except the wildcard ALL.
func capability(name string) string {
	c := strings.ToUpper(strings.TrimSpace(name))
	if c == "ALL" {
		return c
	}
	if !strings.HasPrefix(c, "CAP_") {
		c = "CAP_" + c
	}
	return c
}

// defaultCapabilities are the capabilities Docker grants a container.
var defaultCapabilities = map[string]bool{
	"CAP_CHOWN": true, "CAP_DAC_OVERRIDE": true, "CAP_FOWNER": true, "CAP_FSETID": true,
	"CAP_KILL": true, "CAP_MKNOD": true, "CAP_NET_BIND_SERVICE": true, "CAP_NET_RAW": true,
	"CAP_SETFCAP": true, "CAP_SETGID": true, "CAP_SETPCAP": true, "CAP_SETUID": true,
	"CAP_SYS_CHROOT": true, "CAP_AUDIT_WRITE": true,
}

// isLoopback reports whether a host IP only listens on this machine.
func isLoopback(ip string) bool {
	ip = strings.Trim(ip, "[]")
	return strings.HasPrefix(ip, "127.") || ip == "::1" || ip == "localhost"
}

// isWildcard reports whether a host IP listens on every interface.
func isWildcard(ip string) bool {
	ip = strings.Trim(ip, "[]")
	return ip == "" || ip == "0.0.0.0" || ip == "::"
}

// underPath reports whether p is dir or below it, by whole path segments
// (/var does not contain /variable).
func underPath(p, dir string) bool {
	p = strings.TrimRight(p, "/")
	dir = strings.TrimRight(dir, "/")
	if dir == "" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}
