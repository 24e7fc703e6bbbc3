package bump

import (
	"fmt"
	"strings"
)

// segment is a run of an interpolated value and where its bytes are written.
// Only a verbatim run can be edited in place.
type segment struct {
	text     string
	at       Span // At.End is At.Start+len(text) when verbatim
	verbatim bool
}

// origin says where a string being interpolated is written: text[i] is at
// file offset start+i when verbatim.
type origin struct {
	file     string
	start    int
	line     int
	verbatim bool
}

func (o origin) run(text string, from int) segment {
	return segment{
		text:     text,
		at:       Span{File: o.file, Start: o.start + from, End: o.start + from + len(text), Line: o.line},
		verbatim: o.verbatim,
	}
}

// unknownVariableError is a variable with no value in .env and no default:
// Compose would make it empty, and composeguard cannot know the image.
type unknownVariableError struct{ name string }

func (e unknownVariableError) Error() string {
	return fmt.Sprintf("uses ${%s}, which has no value in .env and no default", e.name)
}

// expand interpolates s as Compose does ($$, $NAME, ${NAME}, ${NAME:-default},
// ${NAME-default}, ${NAME:?err}, ${NAME?err}, ${NAME:+alt}, ${NAME+alt}),
// taking values only from env, and keeps where each output byte is written.
// compose.Variables reads the same grammar but keeps no offsets.
func expand(s string, o origin, env map[string]envValue) ([]segment, error) {
	var out []segment
	literal := 0
	flush := func(end int) {
		if end > literal {
			out = append(out, o.run(s[literal:end], literal))
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		switch c := s[i+1]; {
		case c == '$':
			flush(i)
			out = append(out, segment{text: "$"}) // two bytes written, one read
			i++
			literal = i + 1
		case c == '{':
			end := closingBrace(s, i+1)
			if end < 0 {
				return nil, fmt.Errorf("unclosed ${ in %q", s)
			}
			flush(i)
			inner := o
			inner.start += i + 2
			value, err := expandBraced(s[i+2:end], inner, env)
			if err != nil {
				return nil, err
			}
			out = append(out, value...)
			i = end
			literal = i + 1
		case isNameStart(c):
			j := i + 1
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			flush(i)
			v, ok := env[s[i+1:j]]
			if !ok {
				return nil, unknownVariableError{s[i+1 : j]}
			}
			out = append(out, v.segment())
			i = j - 1
			literal = j
		}
	}
	flush(len(s))
	return out, nil
}

// expandBraced expands the body of ${…}; o is where body starts.
func expandBraced(body string, o origin, env map[string]envValue) ([]segment, error) {
	j := 0
	for j < len(body) && isNameChar(body[j]) {
		j++
	}
	name, rest := body[:j], body[j:]
	op := ""
	for _, candidate := range []string{":-", ":?", ":+", "-", "?", "+"} {
		if strings.HasPrefix(rest, candidate) {
			op = candidate
			break
		}
	}
	if op == "" && rest != "" || name == "" {
		return nil, fmt.Errorf("invalid variable ${%s}", body)
	}
	v, set := env[name]
	nonEmpty := set && v.value != ""
	arg := func() ([]segment, error) {
		o.start += j + len(op)
		return expand(rest[len(op):], o, env)
	}
	switch op {
	case ":-":
		if !nonEmpty {
			return arg()
		}
	case "-":
		if !set {
			return arg()
		}
	case ":+":
		if nonEmpty {
			return arg()
		}
		return nil, nil
	case "+":
		if set {
			return arg()
		}
		return nil, nil
	case ":?", "", "?":
		if op == ":?" && !nonEmpty || !set {
			return nil, unknownVariableError{name}
		}
	}
	return []segment{v.segment()}, nil
}

func (v envValue) segment() segment {
	return segment{text: v.value, at: v.at, verbatim: v.verbatim}
}

func closingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isNameChar(c byte) bool { return isNameStart(c) || isDigit(c) }

// locate maps output bytes [from, to) of an interpolation back to the file,
// when they all come from one verbatim run.
func locate(segments []segment, from, to int) (Span, bool) {
	offset := 0
	for _, s := range segments {
		next := offset + len(s.text)
		if from >= offset && to <= next && from < next {
			if !s.verbatim {
				return Span{}, false
			}
			return Span{File: s.at.File, Start: s.at.Start + from - offset, End: s.at.Start + to - offset, Line: s.at.Line}, true
		}
		offset = next
	}
	return Span{}, false
}

func join(segments []segment) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteString(s.text)
	}
	return b.String()
}
