package bump

import (
	"bytes"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Span is where some bytes of a reference are written: [Start, End) in File.
type Span struct {
	File       string
	Start, End int
	Line       int
}

// lines indexes a file's line starts, so a yaml.v3 position becomes a byte
// offset.
type lines struct {
	content []byte
	starts  []int
}

func indexLines(content []byte) lines {
	starts := []int{0}
	// yaml.v3 does not count a byte order mark as a column.
	if bytes.HasPrefix(content, []byte("\ufeff")) {
		starts[0] = 3
	}
	for i, c := range content {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lines{content: content, starts: starts}
}

// offset turns a 1-based line and yaml.v3's 1-based column, which counts
// characters rather than bytes, into a byte offset; -1 when out of range.
func (l lines) offset(line, column int) int {
	if line < 1 || line > len(l.starts) {
		return -1
	}
	i := l.starts[line-1]
	for col := 1; col < column; col++ {
		if i >= len(l.content) || l.content[i] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRune(l.content[i:])
		i += size
	}
	return i
}

// scalarText returns the byte offset of a scalar's text when the file holds
// the value verbatim (plain, or quoted without escapes, on one line), so its
// bytes can be replaced in place. ok is false for block scalars, escapes and
// values folded over several lines.
func (l lines) scalarText(n *yaml.Node) (start int, ok bool) {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return 0, false
	}
	i := l.offset(n.Line, n.Column)
	if i < 0 {
		return 0, false
	}
	// The node starts at its anchor or tag when it has one: &img !!str postgres
	for i < len(l.content) && (l.content[i] == '&' || l.content[i] == '!') {
		for i < len(l.content) && l.content[i] != ' ' && l.content[i] != '\t' && l.content[i] != '\n' {
			i++
		}
		for i < len(l.content) && (l.content[i] == ' ' || l.content[i] == '\t') {
			i++
		}
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		i++
	}
	end := i + len(n.Value)
	if end > len(l.content) || string(l.content[i:end]) != n.Value {
		return 0, false
	}
	return i, true
}
