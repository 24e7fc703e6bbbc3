package fix

import (
	"strconv"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// style is how a file writes what fixes add to it.
type style struct {
	width int // indentation step of nested mappings
	// dash is the columns from a key to the "-" of its block sequence's
	// items: 0 for indentless sequences, -1 when the file has none.
	dash  int
	flow  bool // short lists are written [a, b]
	quote byte // 0 for plain strings, else '"' or '\''
}

// execForm are keys whose lists are conventionally flow (exec form) whatever
// the file's habit.
var execForm = map[string]bool{"command": true, "entrypoint": true, "test": true}

// detectStyle reads the habits of a file: the most common indentation step
// and sequence dash offset, flow or block lists, and how sequence items
// (else any string value) are quoted.
func detectStyle(src *compose.Source) style {
	widths, dashes := map[int]int{}, map[int]int{}
	var flow, block int
	items, values := map[byte]int{}, map[byte]int{}
	// key is the mapping key above n; inSeq says n is a list item.
	var visit func(n *yaml.Node, key string, inSeq bool, depth int)
	visit = func(n *yaml.Node, key string, inSeq bool, depth int) {
		if n == nil || depth > compose.MaxDepth {
			return
		}
		switch n.Kind {
		case yaml.ScalarNode:
			if q, ok := quoting(n); ok {
				values[q]++
				// Ports are quoted by convention (YAML 1.1 read 22:22
				// as a number), whatever the file's habit.
				if inSeq && key != "ports" && !execForm[key] {
					items[q]++
				}
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				visit(c, key, true, depth+1)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Line > k.Line:
					if w := v.Content[0].Column - k.Column; w > 0 {
						widths[w]++
					}
				case v.Kind == yaml.SequenceNode && len(v.Content) > 0 && !execForm[k.Value]:
					if v.Style&yaml.FlowStyle != 0 {
						flow++
					} else if first := v.Content[0]; first.Line > k.Line {
						block++
						if line := src.Line(first.Line); strings.HasPrefix(strings.TrimLeft(line, " "), "-") {
							dashes[len(line)-len(strings.TrimLeft(line, " "))+1-k.Column]++
						}
					}
				}
				visit(v, k.Value, false, depth+1)
			}
		}
	}
	for _, d := range src.Docs {
		visit(d, "", false, 0)
	}
	st := style{width: mostCommon(widths, 2), dash: mostCommon(dashes, -1), flow: flow > block}
	habit := items
	if len(habit) == 0 {
		habit = values
	}
	for _, q := range []byte{'"', '\''} {
		if habit[q] > habit[0] && habit[q] > habit['"'+'\''-q] {
			st.quote = q
		}
	}
	return st
}

// quoting reports how a string scalar is quoted (0 for plain); ok is false
// for what is not a string, and for quotes a string needs anyway.
func quoting(n *yaml.Node) (byte, bool) {
	if n.Tag != "!!str" {
		return 0, false
	}
	switch n.Style {
	case 0:
		return 0, true
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if needsQuotes(n.Value) {
			return 0, false
		}
		if n.Style == yaml.DoubleQuotedStyle {
			return '"', true
		}
		return '\'', true
	}
	return 0, false
}

func mostCommon(counts map[int]int, fallback int) int {
	best, n := fallback, 0
	for v, c := range counts {
		if c > n || (c == n && v < best) {
			best, n = v, c
		}
	}
	return best
}

// needsQuotes reports whether a string written plain would not read back as
// the same string.
func needsQuotes(s string) bool {
	b, err := yaml.Marshal(s)
	return err != nil || len(b) == 0 || b[0] == '"' || b[0] == '\'' || strings.Count(string(b), "\n") > 1
}

// str writes a string in the file's quoting; mustQuote keeps a value that
// would read as a number a string.
func (st style) str(s string, mustQuote bool) string {
	q := st.quote
	if q == 0 && !mustQuote && !needsQuotes(s) {
		return s
	}
	if q == 0 {
		q = '"'
	}
	return quoteWith(s, q)
}

// like writes a string quoted as node n is.
func like(n *yaml.Node, s string) string {
	switch {
	case n.Style == yaml.SingleQuotedStyle:
		return quoteWith(s, '\'')
	case n.Style == yaml.DoubleQuotedStyle || needsQuotes(s):
		return quoteWith(s, '"')
	}
	return s
}

func quoteWith(s string, q byte) string {
	if q == '\'' {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strconv.Quote(s)
}

// seq writes key with a list of items at indent, flow or block as the file
// does; width is the indentation step where it goes.
func (st style) seq(indent, width int, key string, items []string) []string {
	pad := strings.Repeat(" ", indent)
	if st.flow {
		return []string{pad + key + ": [" + strings.Join(items, ", ") + "]"}
	}
	dash := st.dash
	if dash < 0 {
		dash = width
	}
	out := []string{pad + key + ":"}
	for _, it := range items {
		out = append(out, strings.Repeat(" ", indent+dash)+"- "+it)
	}
	return out
}

// block indents lines written at two spaces per level to indent and the
// given width.
func block(indent, width int, lines ...string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		level := (len(l) - len(trimmed)) / 2
		out[i] = strings.Repeat(" ", indent+level*width) + trimmed
	}
	return out
}
