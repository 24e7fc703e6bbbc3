package policy

import (
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
	"go.yaml.in/yaml/v3"
)

// ExpiryWarning is how long before its date an exception starts to warn.
const ExpiryWarning = 14 * 24 * time.Hour

const dateLayout = "2006-01-02"

func (r reader) exceptions(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		r.bad(n, "exceptions must be a list")
		return
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			r.bad(item, "an exception is a mapping with rule, service, reason and expires")
			continue
		}
		e := Exception{Service: "*", Pos: r.pos(item)}
		var expires *yaml.Node
		r.fields(item, map[string]func(v *yaml.Node){
			"rule":    func(v *yaml.Node) { e.Rule = v.Value },
			"service": func(v *yaml.Node) { e.Service = v.Value },
			"file":    func(v *yaml.Node) { e.File = v.Value },
			"reason":  func(v *yaml.Node) { e.Reason = strings.TrimSpace(v.Value) },
			"expires": func(v *yaml.Node) { expires = v },
		})
		if checks.Get(e.Rule) == nil {
			r.bad(item, "exception for unknown rule %q", e.Rule)
			continue
		}
		if expires != nil {
			t, err := time.Parse(dateLayout, expires.Value)
			if err != nil {
				r.p.invalidException(r.pos(expires), "expires must be a date as YYYY-MM-DD, not %q", expires.Value)
				continue
			}
			e.Expires = t
		}
		if r.p.checkException(e) {
			r.p.Exceptions = append(r.p.Exceptions, e)
		}
	}
}

// checkException reports an exception that lacks its reason or date; such an
// exception waives nothing.
func (p *Policy) checkException(e Exception) bool {
	var missing []string
	if e.Reason == "" {
		missing = append(missing, "reason")
	}
	if e.Expires.IsZero() {
		missing = append(missing, "expiry date")
	}
	if len(missing) > 0 {
		p.invalidException(e.Pos, "exception for %s has no %s, so it does not apply", e.Rule, strings.Join(missing, " and no "))
		return false
	}
	return true
}

func (p *Policy) invalidException(pos compose.Position, format string, args ...any) {
	p.Problems = append(p.Problems, meta(checks.ExceptionInvalid, pos, "", format, args...))
}

// Matches reports whether the exception covers a finding.
func (e Exception) Matches(f checks.Finding) bool {
	if e.Rule != f.Rule {
		return false
	}
	if e.File != "" && e.File != f.Pos.File && !compose.Glob(e.File).MatchString(f.Pos.File) {
		return false
	}
	services := f.Services
	if len(services) == 0 {
		services = []string{f.Service}
	}
	for _, s := range services {
		if !compose.Glob(e.Service).MatchString(s) {
			return false
		}
	}
	return true
}

var inlineRe = regexp.MustCompile(`#\s*composeguard:ignore\s+([a-z0-9-]+)(.*)$`)
var inlineArgRe = regexp.MustCompile(`(\w+)=("[^"]*"|\S+)`)

// Inline finds `# composeguard:ignore <rule> expires=YYYY-MM-DD reason="…"`
// comments in a compose file. One on a service's line, or on a comment line
// just above it or first in its block, covers the service; elsewhere it
// covers findings on its own line, or on the next one when it stands alone.
func (p *Policy) Inline(src *compose.Source) []Exception {
	var out []Exception
	lines := strings.Split(string(src.Content), "\n")
	for i, line := range lines {
		m := inlineRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		pos := compose.Position{File: src.Path, Line: i + 1, Column: strings.Index(line, "#") + 1}
		// Every service: CoversLine narrows an inline exception to its place.
		e := Exception{Rule: m[1], Service: "*", File: src.Path, Pos: pos, Inline: true,
			Standalone: strings.HasPrefix(strings.TrimSpace(line), "#")}
		badDate := false
		for _, a := range inlineArgRe.FindAllStringSubmatch(m[2], -1) {
			val := strings.Trim(a[2], `"`)
			switch a[1] {
			case "reason":
				e.Reason = strings.TrimSpace(val)
			case "expires":
				t, err := time.Parse(dateLayout, val)
				if err != nil {
					p.invalidException(pos, "expires must be a date as YYYY-MM-DD, not %q", val)
					badDate = true
					continue
				}
				e.Expires = t
			}
		}
		if checks.Get(e.Rule) == nil {
			p.Problems = append(p.Problems, meta(checks.PolicyInvalid, pos, "", "inline exception for unknown rule %q", e.Rule))
			continue
		}
		if !badDate && p.checkException(e) {
			out = append(out, e)
		}
	}
	return out
}

// CoversLine reports whether an inline exception placed at its comment
// applies to a finding at line, given the line of the finding's service.
func (e Exception) CoversLine(line, serviceLine int) bool {
	at := e.Pos.Line
	switch {
	case at == line || at == serviceLine:
		return true
	case !e.Standalone:
		return false
	}
	// A comment line just above the finding, or just above or first inside
	// the service.
	return at == line-1 || (serviceLine > 0 && (at == serviceLine-1 || at == serviceLine+1))
}

// meta builds a finding of one of the policy rules.
func meta(id string, pos compose.Position, service, format string, args ...any) checks.Finding {
	r := checks.Get(id)
	return checks.Finding{Rule: id, Severity: r.Severity, Category: r.Category, Pos: pos, Service: service,
		Message: sprintf(format, args...), Fix: r.Fix}
}

// optionNames lists the yaml names of checks.Options' fields.
func optionNames() []string {
	t := reflect.TypeOf(checks.Options{})
	out := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		out = append(out, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
	}
	return out
}
