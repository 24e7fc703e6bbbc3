// Package policy reads .composeguard.yml: which files are compose files,
// rule severities, rule options, the fail threshold, exceptions, and the
// settings of pull request reviews, image updates and hardening.
package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/checks"
	"go.yaml.in/yaml/v3"
)

// FileName is where a repository keeps its policy, at its root.
const FileName = ".composeguard.yml"

// DefaultPattern is Renovate's docker-compose file pattern.
const DefaultPattern = `(^|/)(docker-)?compose[^/]*\.ya?ml$`

// Off is the severity that turns a rule off.
const Off checks.Severity = -1

// Policy is a repository's settings. The zero value is not useful: start
// from Default or Parse.
type Policy struct {
	Include  []string // extra globs of compose files
	Exclude  []string // globs never audited
	FailOn   checks.Severity
	Severity map[string]checks.Severity // per rule, Off to disable
	Options  checks.Options
	// Exceptions come from the policy file; inline ones are added per file.
	Exceptions []Exception
	// Problems found in the policy file itself, as findings.
	Problems []checks.Finding
	// MaxInlineComments caps the inline comments of one pull request
	// review (review.max_inline_comments); the rest go to the summary.
	MaxInlineComments int
	// Bump configures image version updates (bump.go).
	Bump bump.Config
	// Harden holds the limits hardening writes (harden.go).
	Harden Harden
	// Projects declares compose projects made of several files
	// (projects.go).
	Projects []compose.Spec
	// Dashboard opts the repository in to its security dashboard issue
	// (dashboard: true).
	Dashboard bool
	// Badge opts the repository in to its score badge on the server
	// (badge: true), read from the default branch's policy.
	Badge bool

	pattern *regexp.Regexp
	include []*regexp.Regexp
	exclude []*regexp.Regexp
	named   []string // paths selected whatever the patterns say
}

// DefaultMaxInlineComments caps the inline comments of one review, as
// reviewdog does: more would bury the conversation.
const DefaultMaxInlineComments = 30

// FailNever is a threshold above every severity.
const FailNever checks.Severity = checks.Critical + 1

// Exception waives one rule for matching services until a date.
type Exception struct {
	Rule    string
	Service string // glob
	File    string // optional, repository-relative
	Reason  string
	Expires time.Time // zero when missing
	Pos     compose.Position
	Inline  bool
	// Standalone is true for an inline exception on a line of its own.
	Standalone bool
}

// Default is the policy of a repository without a policy file.
func Default() *Policy {
	return &Policy{
		FailOn:            checks.High,
		Severity:          map[string]checks.Severity{},
		Options:           checks.DefaultOptions(),
		MaxInlineComments: DefaultMaxInlineComments,
		pattern:           regexp.MustCompile(DefaultPattern),
	}
}

// Selects reports whether a repository path is a compose file to audit.
func (p *Policy) Selects(path string) bool {
	for _, n := range p.named {
		if n == path {
			return true
		}
	}
	for _, re := range p.exclude {
		if re.MatchString(path) {
			return false
		}
	}
	if p.pattern.MatchString(path) {
		return true
	}
	for _, re := range p.include {
		if re.MatchString(path) {
			return true
		}
	}
	return false
}

// Patterns says which file names the policy selects, for a person.
func (p *Policy) Patterns() string {
	s := "compose*.yml, compose*.yaml, docker-compose*.yml, docker-compose*.yaml"
	if len(p.Include) > 0 {
		s += ", files.include " + strings.Join(p.Include, ", ")
	}
	if len(p.Exclude) > 0 {
		s += "; files.exclude " + strings.Join(p.Exclude, ", ")
	}
	return s
}

// Naming returns a copy of the policy that also selects path, whatever its
// patterns say: a file named on the command line is audited.
func (p *Policy) Naming(path string) *Policy {
	cp := *p
	cp.named = append(p.named[:len(p.named):len(p.named)], path)
	return &cp
}

// Read reads the policy file at a repository's root: the defaults when there
// is none, the defaults with a finding when it exists but cannot be read.
// The audit command and the pull request review both read it this way.
func Read(snap compose.Snapshot) *Policy {
	b, err := snap.ReadFile(FileName)
	switch {
	case err == nil:
		return Parse(FileName, b)
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, forge.ErrNotFound):
		return Default()
	}
	return Unreadable(FileName, err)
}

// Unreadable is the default policy with a finding that the policy file
// exists but cannot be read.
func Unreadable(file string, err error) *Policy {
	p := Default()
	p.problem(compose.Position{File: file, Line: 1, Column: 1}, "the policy file cannot be read: %v; the defaults apply", err)
	return p
}

// Parse reads a policy file. It never fails: unknown keys and bad values
// become high findings at their line, and the defaults apply in their place.
func Parse(file string, content []byte) *Policy {
	p := Default()
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil {
		p.problem(compose.Position{File: file, Line: 1, Column: 1}, "the policy file is not valid YAML: %v; the defaults apply", err)
		return p
	}
	if len(doc.Content) == 0 {
		return p
	}
	root := doc.Content[0]
	r := reader{p: p, file: file}
	if root.Kind != yaml.MappingNode {
		r.bad(root, "the policy file must be a mapping; the defaults apply")
		return p
	}
	r.fields(root, map[string]func(v *yaml.Node){
		"files":      r.files,
		"fail_on":    r.failOn,
		"rules":      r.rules,
		"options":    r.options,
		"exceptions": r.exceptions,
		"review":     r.review,
		"bump":       r.bump,
		"harden":     r.harden,
		"projects":   r.projects,
		"dashboard":  r.optIn("dashboard", "no dashboard", &r.p.Dashboard),
		"badge":      r.optIn("badge", "no badge is served", &r.p.Badge),
	})
	return p
}

func (p *Policy) problem(pos compose.Position, format string, args ...any) {
	p.Problems = append(p.Problems, meta(checks.PolicyInvalid, pos, "", format, args...))
}

var sprintf = fmt.Sprintf

type reader struct {
	p    *Policy
	file string
}

func (r reader) pos(n *yaml.Node) compose.Position {
	return compose.Position{File: r.file, Line: n.Line, Column: n.Column}
}

func (r reader) bad(n *yaml.Node, format string, args ...any) {
	r.p.problem(r.pos(n), format, args...)
}

// fields dispatches a mapping's keys, reporting the unknown ones.
func (r reader) fields(m *yaml.Node, known map[string]func(v *yaml.Node)) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		fn, ok := known[k.Value]
		if !ok {
			r.bad(k, "unknown key %q; it is ignored", k.Value)
			continue
		}
		fn(v)
	}
}

func (r reader) strings(n *yaml.Node) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		r.bad(n, "expected a list of strings")
		return nil, false
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			r.bad(c, "expected a string")
			return nil, false
		}
		out = append(out, c.Value)
	}
	return out, true
}

func (r reader) files(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.bad(n, "files must be a mapping with include and exclude lists")
		return
	}
	globs := func(target *[]string, res *[]*regexp.Regexp) func(v *yaml.Node) {
		return func(v *yaml.Node) {
			list, ok := r.strings(v)
			if !ok {
				return
			}
			*target = list
			for _, g := range list {
				*res = append(*res, compose.Glob(g))
			}
		}
	}
	r.fields(n, map[string]func(v *yaml.Node){
		"include": globs(&r.p.Include, &r.p.include),
		"exclude": globs(&r.p.Exclude, &r.p.exclude),
	})
}

func (r reader) failOn(n *yaml.Node) {
	if n.Value == "never" {
		r.p.FailOn = FailNever
		return
	}
	s, err := checks.ParseSeverity(n.Value)
	if err != nil {
		r.bad(n, "fail_on: %v; the default (high) applies", err)
		return
	}
	r.p.FailOn = s
}

func (r reader) rules(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.bad(n, "rules must map rule ids to a severity or off")
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if checks.Get(k.Value) == nil {
			r.bad(k, "unknown rule %q", k.Value)
			continue
		}
		if v.Kind == yaml.MappingNode {
			if _, sev := find(v, "severity"); sev != nil {
				v = sev
			}
		}
		if v.Value == "off" || v.Value == "false" {
			r.p.Severity[k.Value] = Off
			continue
		}
		s, err := checks.ParseSeverity(v.Value)
		if err != nil {
			r.bad(v, "%s: %v, or off", k.Value, err)
			continue
		}
		r.p.Severity[k.Value] = s
	}
}

func (r reader) options(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.bad(n, "options must be a mapping")
		return
	}
	// Decode key by key so one bad value keeps the others and its default.
	known := map[string]bool{}
	for _, name := range optionNames() {
		known[name] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !known[k.Value] {
			r.bad(k, "unknown option %q; it is ignored", k.Value)
			continue
		}
		single := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}
		opts := r.p.Options
		if err := single.Decode(&opts); err != nil {
			r.bad(v, "option %s: %v; the default applies", k.Value, cleanYAMLError(err))
			continue
		}
		r.p.Options = opts
	}
}

// review reads the review: section, the settings of pull request reviews.
//
//	review:
//	  max_inline_comments: 30   # per review, 0 for none; the rest go to the summary
func (r reader) review(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.bad(n, "review must be a mapping")
		return
	}
	r.fields(n, map[string]func(v *yaml.Node){
		"max_inline_comments": func(v *yaml.Node) {
			if c, ok := r.count(v, "none"); ok {
				r.p.MaxInlineComments = c
			}
		},
	})
}

// dashboard reads dashboard: true or false, the security dashboard issue.
// optIn reads the opt-in name to *to: true or false, and anything else
// leaves it off (off says what that means) and is reported.
func (r reader) optIn(name, off string, to *bool) func(v *yaml.Node) {
	return func(v *yaml.Node) {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(to) != nil {
			*to = false
			r.bad(v, "%s must be true or false, not %q; %s", name, v.Value, off)
		}
	}
}

// count reads a whole number, 0 or more; zero says what 0 means.
func (r reader) count(v *yaml.Node, zero string) (int, bool) {
	var n int
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil || n < 0 {
		r.bad(v, "expected a whole number, 0 for %s, not %q; the default applies", zero, v.Value)
		return 0, false
	}
	return n, true
}

func find(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func cleanYAMLError(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n"), "  ")
}
