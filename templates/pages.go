package templates

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// The server's web pages are html/template files, which escape every
// value for where it lands (text, attribute, URL), so nothing a
// repository wrote becomes markup.
//
//go:embed pages/*.tmpl
var pageFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"score": func(x float64) string { return fmt.Sprintf("%.1f", x) },
	"prose": prose,
	"shown": shown,
}).ParseFS(pageFiles, "pages/*.tmpl"))

// RenderPage writes the named page (its file name, like rule.html.tmpl, or
// badge.svg.tmpl).
func RenderPage(w io.Writer, name string, data any) error {
	return pages.ExecuteTemplate(w, name, data)
}

// prose shows composeguard's own one-line Markdown (a rule's why and fix)
// as HTML: its `code spans` as <code>, everything else escaped. It is for
// composeguard's text only; a repository's goes in as a plain value.
func prose(s string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 {
			b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
			continue
		}
		b.WriteString(template.HTMLEscapeString(part))
	}
	return template.HTML(b.String()) //nolint:gosec // every part is escaped above
}

// shown is a repository's line as a page shows it: control and
// bidirectional formatting characters (which can make code read otherwise
// than it runs, "Trojan Source") replaced with U+FFFD, as in comments; a
// tab kept.
func shown(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\t' && unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
