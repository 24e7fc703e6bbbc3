package compose

import (
	"errors"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
)

// VarRef is one variable reference in a string, as Compose reads it:
// $NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err},
// ${NAME?err}, ${NAME:+alt}, ${NAME+alt}.
type VarRef struct {
	Name string
	Op   string // "", ":-", "-", ":?", "?", ":+", "+"
	Arg  string // the default, alternative or error text
}

// HasDefault reports whether the reference has a value when NAME is unset.
func (r VarRef) HasDefault() bool { return r.Op == ":-" || r.Op == "-" }

// Reference is one `$` construct of a string as Compose reads it: an
// escaped dollar ($$), a braced reference (${…}) or a plain one ($NAME).
type Reference struct {
	Start, End int // byte range of the whole construct
	Escaped    bool
	Braced     bool
	VarRef
	// Invalid marks a braced body that is not NAME[op arg], which Compose
	// rejects.
	Invalid bool
}

// ArgStart is where a braced reference's Arg begins in the string.
func (r Reference) ArgStart() int { return r.Start + 2 + len(r.Name) + len(r.Op) }

// References lists the `$` constructs of s in order; ok is false when a ${
// is never closed, and the rest of s is then not read.
func References(s string) (refs []Reference, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		switch c := s[i+1]; {
		case c == '$':
			refs = append(refs, Reference{Start: i, End: i + 2, Escaped: true})
			i++
		case c == '{':
			end := closingBrace(s, i+1)
			if end < 0 {
				return refs, false
			}
			r := Reference{Start: i, End: end + 1, Braced: true, VarRef: parseBraced(s[i+2 : end])}
			r.Invalid = r.Name == "" || (r.Op == "" && end > i+2+len(r.Name))
			refs = append(refs, r)
			i = end
		case isNameStart(c):
			j := i + 1
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			refs = append(refs, Reference{Start: i, End: j, VarRef: VarRef{Name: s[i+1 : j]}})
			i = j - 1
		}
	}
	return refs, true
}

// Variables lists the variable references in s, those nested in a default
// included; `$$` is an escaped dollar.
func Variables(s string) []VarRef {
	refs, _ := References(s)
	var out []VarRef
	for _, r := range refs {
		if r.Escaped {
			continue
		}
		out = append(out, r.VarRef)
		if r.Braced {
			out = append(out, Variables(r.Arg)...)
		}
	}
	return out
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

func parseBraced(body string) VarRef {
	j := 0
	for j < len(body) && isNameChar(body[j]) {
		j++
	}
	r := VarRef{Name: body[:j]}
	rest := body[j:]
	for _, op := range []string{":-", ":?", ":+", "-", "?", "+"} {
		if strings.HasPrefix(rest, op) {
			r.Op, r.Arg = op, rest[len(op):]
			break
		}
	}
	return r
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isNameChar(c byte) bool { return isNameStart(c) || (c >= '0' && c <= '9') }

// substitute interpolates like Compose, except that a required variable
// (${X:?err}) with no value becomes empty instead of failing the load: an
// auditor must still read a file whose variables the server does not know.
func substitute(s string, lookup template.Mapping) (string, error) {
	out, err := template.SubstituteWithOptions(s, lookup, template.WithoutLogging)
	var missing *template.MissingRequiredError
	if errors.As(err, &missing) {
		return template.SubstituteWithOptions(dropRequired(s), lookup, template.WithoutLogging)
	}
	return out, err
}

// dropRequired rewrites ${X:?err} and ${X?err} to ${X}.
func dropRequired(s string) string {
	refs, _ := References(s)
	var b strings.Builder
	last := 0
	for _, r := range refs {
		if r.Braced && (r.Op == ":?" || r.Op == "?") {
			b.WriteString(s[last:r.Start] + "${" + r.Name + "}")
			last = r.End
		}
	}
	b.WriteString(s[last:])
	return b.String()
}
