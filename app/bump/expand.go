package bump

import (
	"fmt"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
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
	refs, ok := compose.References(s)
	if !ok {
		return nil, fmt.Errorf("unclosed ${ in %q", s)
	}
	for _, r := range refs {
		flush(r.Start)
		switch {
		case r.Escaped:
			out = append(out, segment{text: "$"}) // two bytes written, one read
		case r.Braced:
			value, err := expandBraced(s[r.Start:r.End], r, o, env)
			if err != nil {
				return nil, err
			}
			out = append(out, value...)
		default:
			v, ok := env[r.Name]
			if !ok {
				return nil, unknownVariableError{r.Name}
			}
			out = append(out, v.segment())
		}
		literal = r.End
	}
	flush(len(s))
	return out, nil
}

// expandBraced expands ${…}, written as text; o is where the string that
// holds it starts.
func expandBraced(text string, r compose.Reference, o origin, env map[string]envValue) ([]segment, error) {
	if r.Invalid {
		return nil, fmt.Errorf("invalid variable %s", text)
	}
	name, op := r.Name, r.Op
	v, set := env[name]
	nonEmpty := set && v.value != ""
	arg := func() ([]segment, error) {
		o.start += r.ArgStart()
		return expand(r.Arg, o, env)
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
