package checks

import (
	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// writtenItem is one scalar item of a service's sequence as a file writes it.
type writtenItem struct {
	compose.Located
	Text    string   // after interpolation, as the model holds it
	Unknown []string // variables with no value and no default
}

// writtenItems lists the scalar items of the sequence at a service's key, in
// every contributing file.
func writtenItems(c *Context, service string, keys ...string) []writtenItem {
	var out []writtenItem
	for _, it := range c.Project.Items(service, keys...) {
		if it.Value.Kind != yaml.ScalarNode {
			continue
		}
		out = append(out, writtenItem{Located: it, Text: c.Project.Interpolate(it.Value.Value), Unknown: c.Project.Unknown(it.Value)})
	}
	return out
}

// secOptItem is a security_opt entry as written, split as the daemon splits it.
type secOptItem struct {
	writtenItem
	securityOpt
}

func secOptItems(c *Context, service string) []secOptItem {
	var out []secOptItem
	for _, it := range writtenItems(c, service, "security_opt") {
		out = append(out, secOptItem{it, splitSecurityOpt(it.Text)})
	}
	return out
}

// knownSecOptKeys are the security_opt keys Compose or the daemon act on.
var knownSecOptKeys = map[string]bool{
	"label": true, "apparmor": true, "seccomp": true, "no-new-privileges": true,
	"systempaths": true, "writable-cgroups": true,
}

// concerns reports whether the entry may set key: it does, or its key is
// hidden behind a variable with no value.
func (o secOptItem) concerns(key string) bool {
	return o.Key == key || (len(o.Unknown) > 0 && !knownSecOptKeys[o.Key])
}

// firstUnknown returns the first entry that may set key and depends on
// unknown variables.
func firstUnknown(items []secOptItem, key string) (secOptItem, bool) {
	for _, o := range items {
		if o.concerns(key) && len(o.Unknown) > 0 {
			return o, true
		}
	}
	return secOptItem{}, false
}

// reportSecOpt reports, in every service, each security_opt entry for key
// that judge finds at fault (judge returns "" to pass it), and each entry
// for key that depends on unknown variables.
func reportSecOpt(c *Context, key string, judge func(o securityOpt) (msg string, sev Severity)) {
	for _, s := range c.Services() {
		for _, o := range secOptItems(c, s.Name) {
			if !o.concerns(key) {
				continue
			}
			if len(o.Unknown) > 0 {
				c.ReportUnknown(s.Name, o.Pos, "security_opt", o.Unknown)
				continue
			}
			if msg, sev := judge(o.securityOpt); msg != "" {
				c.Report(Finding{Service: s.Name, Pos: o.Pos, KeyPath: "security_opt", Message: msg, Severity: sev})
			}
		}
	}
}
