package fix

import (
	"strings"
	"unicode/utf8"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
	"go.yaml.in/yaml/v3"
)

// planner collects the changes a set of findings asks of one file. Fixes
// that add keys to a service are gathered first (wants) and written
// together, so that one block goes under the service line.
type planner struct {
	x       *Fixer
	f       *file
	hunks   []hunk
	wants   map[string]*wants
	order   []string // services in the order they were first wanted
	failed  []Skip
	planned []checks.Finding
}

// wants are the keys one service needs, each with the findings asking.
type wants struct {
	service                       string
	capDrop, noNewPrivs, readOnly []checks.Finding
	logging                       []checks.Finding
	tmpfs                         map[string][]checks.Finding // by path
	limits                        map[string][]checks.Finding // cpus, memory, pids
	tmpfsOrder                    []string
}

// plan returns the hunks that fix findings in f, the findings planned and
// those skipped. A finding whose part of a shared block cannot be written
// is dropped and the rest planned again.
func (f *file) plan(x *Fixer, findings []checks.Finding) ([]hunk, []checks.Finding, []Skip) {
	var skipped []Skip
	for {
		p := &planner{x: x, f: f, wants: map[string]*wants{}}
		for _, fd := range findings {
			fix := fixers[fd.Rule]
			if fix == nil {
				p.failed = append(p.failed, Skip{fd, NotMechanical})
				continue
			}
			n := len(p.hunks)
			if r := fix(p, fd); r != "" {
				p.hunks = p.hunks[:n]
				p.failed = append(p.failed, Skip{fd, r})
				continue
			}
			p.planned = append(p.planned, fd)
		}
		early := len(p.failed)
		for _, name := range p.order {
			p.render(p.wants[name])
		}
		late := p.failed[early:]
		if len(late) == 0 {
			return p.hunks, p.planned, append(skipped, p.failed...)
		}
		// Each round drops at least one finding, so the loop ends.
		skipped = append(skipped, late...)
		var rest []checks.Finding
		for _, fd := range findings {
			if !containsFinding(skippedFindings(late), fd) {
				rest = append(rest, fd)
			}
		}
		findings = rest
	}
}

func skippedFindings(s []Skip) []checks.Finding {
	out := make([]checks.Finding, len(s))
	for i := range s {
		out[i] = s[i].Finding
	}
	return out
}

// add records a hunk; the same change asked twice is made once, a
// different change of the same lines is refused.
func (p *planner) add(h hunk, fd ...checks.Finding) Reason {
	for i := range p.hunks {
		o := &p.hunks[i]
		if o.start != h.start || o.end != h.end || o.end < o.start {
			if o.end >= o.start && h.end >= h.start && h.start <= o.end && o.start <= h.end {
				return Layout
			}
			continue
		}
		if strings.Join(o.lines, "\n") != strings.Join(h.lines, "\n") {
			return Layout
		}
		o.by = append(o.by, fd...)
		return ""
	}
	h.by = fd
	p.hunks = append(p.hunks, h)
	return ""
}

func (p *planner) want(service string) *wants {
	w := p.wants[service]
	if w == nil {
		w = &wants{service: service, tmpfs: map[string][]checks.Finding{}, limits: map[string][]checks.Finding{}}
		p.wants[service] = w
		p.order = append(p.order, service)
	}
	return w
}

func (p *planner) model(service string) (types.ServiceConfig, bool) {
	s, ok := p.x.project.Model.Services[service]
	return s, ok
}

// here reports whether a located value is written in the file being fixed.
func (p *planner) here(l compose.Located) bool { return l.Src != nil && l.Src.Path == p.f.src.Path }

// replaceScalar replaces scalar n, quotes included, with text.
func (p *planner) replaceScalar(n *yaml.Node, text string, fd checks.Finding) Reason {
	if strings.Contains(n.Value, "$") {
		return Variable
	}
	start, end, ok := p.f.scalarSpan(n)
	if !ok {
		return Layout
	}
	line := p.f.line(n.Line)
	return p.add(replace(n.Line, line[:start]+text+line[end:]), fd)
}

// byteCol converts a 1-based column (in characters, as yaml.v3 counts) to
// a byte offset in line.
func byteCol(line string, col int) int {
	i := 0
	for n := 1; n < col && i < len(line); n++ {
		_, size := utf8.DecodeRuneInString(line[i:])
		i += size
	}
	return i
}

func leading(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

// scalarSpan returns the bytes of line n.Line that write scalar n, quotes
// included; ok is false when it does not end on that line.
func (f *file) scalarSpan(n *yaml.Node) (start, end int, ok bool) {
	line := f.line(n.Line)
	start = byteCol(line, n.Column)
	if start >= len(line) {
		return 0, 0, false
	}
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		for i := start + 1; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++
			case '"':
				return start, i + 1, true
			}
		}
	case yaml.SingleQuotedStyle:
		for i := start + 1; i < len(line); i++ {
			if line[i] == '\'' {
				if i+1 < len(line) && line[i+1] == '\'' {
					i++
					continue
				}
				return start, i + 1, true
			}
		}
	case 0:
		if n.Value != "" && strings.HasPrefix(line[start:], n.Value) {
			return start, start + len(n.Value), true
		}
	}
	return 0, 0, false
}

// lastLine returns the last line a node is written on; ok is false for a
// multi-line scalar or flow collection, which edits do not touch.
func (f *file) lastLine(n *yaml.Node) (int, bool) {
	switch n.Kind {
	case yaml.AliasNode:
		return n.Line, true
	case yaml.ScalarNode:
		if n.Tag == "!!null" && n.Value == "" {
			return n.Line, true
		}
		_, _, ok := f.scalarSpan(n)
		return n.Line, ok
	}
	last := n.Line
	for _, c := range n.Content {
		l, ok := f.lastLine(c)
		if !ok || (n.Style&yaml.FlowStyle != 0 && l != n.Line) {
			return 0, false
		}
		last = max(last, l)
	}
	return last, true
}

// intoMapping inserts lines (two spaces a level) into a block mapping at
// its keys' column: as its first keys, or its last when atEnd.
func (p *planner) intoMapping(m *yaml.Node, width int, atEnd bool, rel []string, fd []checks.Finding) Reason {
	if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		return Layout
	}
	k0 := m.Content[0]
	lines := block(k0.Column-1, width, rel...)
	if atEnd {
		end, ok := p.f.lastLine(m)
		if !ok {
			return Layout
		}
		return p.add(insertAfter(end, lines), fd...)
	}
	if leading(p.f.line(k0.Line)) == k0.Column-1 {
		return p.add(insertAfter(k0.Line-1, lines), fd...)
	}
	// The first key shares its line with a sequence dash: go below its value.
	end, ok := p.f.lastLine(m.Content[1])
	if !ok {
		return Layout
	}
	return p.add(insertAfter(end, lines), fd...)
}

// appendItems adds items to the first list of locs written in this file,
// in the list's own layout and quoting.
func (p *planner) appendItems(locs []compose.Located, items []string, fd []checks.Finding) Reason {
	for _, l := range locs {
		if p.here(l) && !l.Reset() && l.Value.Kind == yaml.SequenceNode {
			return p.appendToSeq(l.Value, items, fd)
		}
	}
	return Elsewhere
}

func (p *planner) appendToSeq(seq *yaml.Node, items []string, fd []checks.Finding) Reason {
	quoted := make([]string, len(items))
	for i, it := range items {
		quoted[i] = p.f.style.str(it, false)
		for _, c := range seq.Content {
			if c.Kind == yaml.ScalarNode {
				quoted[i] = like(c, it)
				break
			}
		}
	}
	line := p.f.line(seq.Line)
	if seq.Style&yaml.FlowStyle != 0 {
		at := byteCol(line, seq.Column) + 1 // after "["
		text := strings.Join(quoted, ", ")
		if len(seq.Content) > 0 {
			last := seq.Content[len(seq.Content)-1]
			if _, ok := p.f.lastLine(seq); !ok || last.Kind != yaml.ScalarNode || last.Line != seq.Line {
				return Layout
			}
			_, at, _ = p.f.scalarSpan(last)
			text = ", " + text
		}
		rest := line[min(at, len(line)):]
		j := strings.IndexByte(rest, ']')
		if j < 0 || strings.Trim(rest[:j], " ,") != "" {
			return Layout
		}
		return p.add(replace(seq.Line, line[:at]+text+rest), fd...)
	}
	if len(seq.Content) == 0 {
		return Layout
	}
	first := seq.Content[0]
	fl := p.f.line(first.Line)
	prefix := fl[:byteCol(fl, first.Column)]
	if strings.Trim(prefix, " ") != "-" || !strings.HasPrefix(strings.TrimLeft(prefix, " "), "- ") {
		return Layout
	}
	end, ok := p.f.lastLine(seq.Content[len(seq.Content)-1])
	if !ok {
		return Layout
	}
	lines := make([]string, len(quoted))
	for i, q := range quoted {
		lines[i] = prefix + q
	}
	return p.add(insertAfter(end, lines), fd...)
}
