// Package checks holds composeguard's rules, one per file. Each rule reads
// the model compose-go loaded and reports findings at the source line that
// set the offending value.
package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// Severity orders findings; the zero value means "the rule's default".
type Severity int

const (
	Info Severity = iota + 1
	Low
	Medium
	High
	Critical
)

var severityNames = map[Severity]string{Info: "info", Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Severity) String() string { return severityNames[s] }

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads a severity name.
func ParseSeverity(name string) (Severity, error) {
	for s, n := range severityNames {
		if strings.EqualFold(n, name) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", name)
}

// Category is the catalogue's grouping of rules.
type Category string

const (
	Hardening     Category = "hardening"
	HostIsolation Category = "host-isolation"
	Image         Category = "image"
	Secrets       Category = "secrets"
	Network       Category = "network"
	Operability   Category = "operability"
	// Policy covers findings about .composeguard.yml itself.
	Policy Category = "policy"
)

// Rule is one check.
type Rule struct {
	ID       string
	Category Category
	Severity Severity
	Title    string
	Why      string // one line: the harm
	Fix      string // one line: what to change
	// SeverityWhy argues the severity in a sentence or two, for
	// checks/README.md: why a finding fails the default gate (high) or not.
	SeverityWhy string
	// Run reports findings for one loaded project. Rules that only describe
	// problems found elsewhere (loading, policy) have none.
	Run func(c *Context)
}

// HelpBase is where rules are documented when nothing else is said:
// checks/README.md on GitHub, whose headings are the rule ids. A server
// links its own rule pages instead (COMPOSEGUARD_RULES_URL).
const HelpBase = "https://github.com/composeguard/composeguard/blob/main/checks/README.md#"

// SeverityPolicy says how severities are chosen: checks/README.md and the
// server's rule index both show it.
const SeverityPolicy = "Severities are set so that the default gate (`fail_on: high`) fails for real danger: privileged containers, the engine socket, " +
	"host namespaces, writable sensitive mounts, literal secrets and unpinned images. Hardening that is missing almost everywhere " +
	"(no-new-privileges, capabilities, read-only roots, limits) is reported below the gate. Each rule says why it has its severity; " +
	"where a finding's own severity differs (a read-only mount, a raw disk), the rule says when."

// HelpURI is where a rule is documented.
func (r *Rule) HelpURI() string { return HelpBase + r.ID }

// Finding is one problem at one place.
type Finding struct {
	Rule     string
	Severity Severity
	Category Category
	Pos      compose.Position
	// Service is the service at fault, "" when not about one. When the value
	// comes from an anchor or extends base shared by several services,
	// Services names them all.
	Service  string
	Services []string
	// KeyPath is the key at fault relative to the service (or the file when
	// Service is empty), with no indexes: part of the fingerprint.
	KeyPath string
	Message string
	Fix     string
}

var registry = map[string]*Rule{}

func register(r *Rule) *Rule {
	if _, dup := registry[r.ID]; dup {
		panic("duplicate rule " + r.ID)
	}
	registry[r.ID] = r
	return r
}

// All returns every rule, sorted by id.
func All() []*Rule {
	out := make([]*Rule, 0, len(registry))
	for _, r := range registry {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Get returns a rule by id, nil when there is none.
func Get(id string) *Rule { return registry[id] }

// Context is what a rule sees of one project.
type Context struct {
	Project *compose.Project
	Options Options
	rule    *Rule
	out     []Finding
	// services is shared by every rule of a run; rules only read it.
	services []types.ServiceConfig
}

// Run runs every rule on a loaded project and returns what they found, one
// finding per place: a value shared through an anchor is one finding naming
// every service it affects.
func Run(p *compose.Project, opts Options) []Finding {
	var all []Finding
	if p.Model == nil {
		return nil
	}
	services := sortedServices(p.Model)
	for _, r := range All() {
		if r.Run == nil {
			continue
		}
		c := &Context{Project: p, Options: opts, rule: r, services: services}
		r.Run(c)
		all = append(all, c.out...)
	}
	return merge(all)
}

func merge(in []Finding) []Finding {
	type key struct {
		rule, file, msg string
		line, col       int
	}
	index := map[key]int{}
	var out []Finding
	for _, f := range in {
		k := key{f.Rule, f.Pos.File, f.Message, f.Pos.Line, f.Pos.Column}
		if i, ok := index[k]; ok && f.Service != "" {
			out[i].Services = append(out[i].Services, f.Service)
			continue
		}
		if f.Service != "" {
			f.Services = []string{f.Service}
		}
		index[k] = len(out)
		out = append(out, f)
	}
	return out
}

// Services returns the project's services sorted by name.
func (c *Context) Services() []types.ServiceConfig {
	if c.services == nil {
		c.services = sortedServices(c.Project.Model)
	}
	return c.services
}

// sortedServices names and sorts a model's services once for every rule.
func sortedServices(m *types.Project) []types.ServiceConfig {
	names := make([]string, 0, len(m.Services))
	for n := range m.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]types.ServiceConfig, 0, len(names))
	for _, n := range names {
		s := m.Services[n]
		s.Name = n
		out = append(out, s)
	}
	return out
}

// Report records a finding of the running rule. Fields left empty take the
// rule's defaults.
func (c *Context) Report(f Finding) {
	f.Rule = c.rule.ID
	f.Category = c.rule.Category
	if f.Severity == 0 {
		f.Severity = c.rule.Severity
	}
	if f.Fix == "" {
		f.Fix = c.rule.Fix
	}
	if f.Pos.File == "" {
		f.Pos = c.Project.ServicePos(f.Service)
	}
	c.out = append(c.out, f)
}

// ReportUnknown records that the rule cannot judge a value because it uses
// variables with no value and no default: an info finding, never a pass.
func (c *Context) ReportUnknown(service string, pos compose.Position, keyPath string, vars []string) {
	c.Report(Finding{
		Service: service, Pos: pos, KeyPath: keyPath, Severity: Info,
		Message: fmt.Sprintf("cannot tell whether %s is safe: it depends on %s, which has no value in .env and no default",
			keyPath, "${"+strings.Join(vars, "}, ${")+"}"),
	})
}

// Unknown lists the unknown variables used by the value at a service's key
// path: for a scalar only the value Compose keeps (the strongest file's),
// for a sequence every file's items, since Compose appends them.
func (c *Context) Unknown(service string, keys ...string) []string {
	var out []string
	for _, l := range c.Project.LocateAll(service, keys...) {
		out = append(out, c.Project.Unknown(l.Value)...)
		if l.Value.Kind != yaml.SequenceNode {
			break
		}
	}
	return out
}
