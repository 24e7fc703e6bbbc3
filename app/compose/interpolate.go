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

// Variables lists the variable references in s; `$$` is an escaped dollar.
func Variables(s string) []VarRef {
	var out []VarRef
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		switch c := s[i+1]; {
		case c == '$':
			i++
		case c == '{':
			end := closingBrace(s, i+1)
			if end < 0 {
				return out
			}
			out = append(out, parseBraced(s[i+2:end]))
			// nested references inside a default count too
			out = append(out, Variables(out[len(out)-1].Arg)...)
			i = end
		case isNameStart(c):
			j := i + 1
			for j < len(s) && isNameChar(s[j]) {
				j++
			}
			out = append(out, VarRef{Name: s[i+1 : j]})
			i = j - 1
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
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '{' {
			if end := closingBrace(s, i+1); end > 0 {
				r := parseBraced(s[i+2 : end])
				if r.Op == ":?" || r.Op == "?" {
					b.WriteString("${" + r.Name + "}")
					i = end
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
