// Package templates holds every Markdown text composeguard writes (audit
// reports, review comments, check runs, pull request bodies) as embedded
// text/template files, so they can be read and golden-tested as text.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

var all = template.Must(template.New("").Funcs(template.FuncMap{
	"score":     func(x float64) string { return fmt.Sprintf("%.1f", x) },
	"text":      text,
	"code":      code,
	"codes":     codes,
	"cellcode":  cellcode,
	"cellcodes": cellcodes,
	"cell":      cell,
	"plural":    plural,
	"number":    number,
	"fence":     fence,
}).ParseFS(files, "*.tmpl"))

// Render executes the named template (its file name).
func Render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := all.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// cell puts composeguard's own Markdown (a rule's fix) in a table cell;
// a repository's text goes through text instead.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// fence is a code fence for text: longer than any backtick run in it.
func fence(text string) string {
	f := "```"
	for strings.Contains(text, f) {
		f += "`"
	}
	return f
}

// number writes n with thousands separated by commas: 3,000.
func number(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// plural picks "problem" or "problems" for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
