// Package markdowntest checks, in tests, that Markdown composeguard wrote
// carries no markup a repository slipped into it: it parses the text as
// GitHub-flavoured Markdown (goldmark with tables, autolinks and
// strikethrough) and reports raw HTML, links, images, mentions, issue
// references and table rows that lost their shape.
package markdowntest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Allowed is what composeguard itself writes and a check must accept.
type Allowed struct {
	// Links are the address prefixes of composeguard's own links.
	Links []string
	// HTML matches each line of composeguard's own HTML blocks: its hidden
	// markers and its <details>.
	HTML *regexp.Regexp
	// Inline matches composeguard's own inline HTML: the hidden ids of a
	// dashboard's boxes. No other inline HTML is composeguard's.
	Inline *regexp.Regexp
}

var gfm = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Linkify, extension.Strikethrough, extension.TaskList))

// GitHub and GitLab turn "@name" and "@org/team" into mentions and "#12",
// "owner/repo#12" (and on GitLab "!12", "~label", "%12", "$12", "&12")
// into references, anywhere but in code.
var (
	mention   = regexp.MustCompile(`(^|[^\w\x60])@\w`)
	reference = regexp.MustCompile(`(^|[^\w])[#!%$&]\d|(^|[^\w])~\w|\bGH-\d`)
)

// Check reports through t every piece of markup in body that allowed does
// not name; what names the body in messages.
func Check(t testing.TB, what, body string, allowed Allowed) {
	t.Helper()
	src := []byte(body)
	doc := gfm.Parser().Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML:
			var raw strings.Builder
			for i := 0; i < n.Segments.Len(); i++ {
				seg := n.Segments.At(i)
				raw.Write(seg.Value(src))
			}
			if allowed.Inline == nil || !allowed.Inline.MatchString(raw.String()) {
				t.Errorf("%s: inline HTML %q", what, raw.String())
			}
		case *ast.HTMLBlock:
			var raw strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				raw.Write(seg.Value(src))
			}
			if n.HasClosure() {
				closure := n.ClosureLine
				raw.Write(closure.Value(src))
			}
			htmlLines(t, what, raw.String(), allowed)
		case *ast.Link:
			ownLink(t, what, "link", string(n.Destination), allowed)
		case *ast.AutoLink:
			ownLink(t, what, "autolink", string(n.URL(src)), allowed)
		case *ast.Image:
			t.Errorf("%s: an image (%s)", what, n.Destination)
		case *ast.CodeSpan, *ast.FencedCodeBlock, *ast.CodeBlock:
			return ast.WalkSkipChildren, nil
		}
		if n.Type() == ast.TypeBlock && n.FirstChild() != nil && n.FirstChild().Type() == ast.TypeInline {
			if s := inlineText(n, src); mention.MatchString(s) || reference.MatchString(s) {
				t.Errorf("%s: a mention or issue reference in %q", what, s)
			}
		}
		return ast.WalkContinue, nil
	})
	tableShapes(t, what, body)
}

func htmlLines(t testing.TB, what, raw string, allowed Allowed) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimRight(raw, "\n"), "\n") {
		if allowed.HTML == nil || !allowed.HTML.MatchString(l) {
			t.Errorf("%s: raw HTML %q", what, l)
		}
	}
}

func ownLink(t testing.TB, what, kind, dest string, allowed Allowed) {
	t.Helper()
	for _, p := range allowed.Links {
		if strings.HasPrefix(dest, p) {
			return
		}
	}
	t.Errorf("%s: a %s to %q", what, kind, dest)
}

// inlineText is the text a block shows outside code, entities and escapes
// resolved as GitHub shows them; a code span stands as a space.
func inlineText(block ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(block, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n == block {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.CodeSpan:
			b.WriteString(" ")
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			v := n.Segment.Value(src)
			b.Write(util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v))))
			if n.SoftLineBreak() || n.HardLineBreak() {
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(n.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// tableShapes checks that every row of every table has its header's
// cells, and that no line starting with a pipe is left outside a table:
// a stray pipe or a newline in a cell breaks the table silently.
func tableShapes(t testing.TB, what, body string) {
	t.Helper()
	lines := strings.Split(body, "\n")
	fence := "" // the open code fence, "" outside one
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimSpace(l)
		ticks := len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
		switch {
		case fence == "" && ticks >= 3:
			fence = trimmed[:ticks]
			continue
		case fence != "" && ticks >= len(fence) && ticks == len(trimmed):
			fence = ""
			continue
		}
		if fence != "" || !strings.HasPrefix(l, "|") {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "| ---") && !strings.HasPrefix(lines[i+1], "| :--") {
			t.Errorf("%s: line %d starts with a pipe outside a table: %q", what, i+1, l)
			continue
		}
		want := cells(l)
		for i += 2; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
			if got := cells(lines[i]); got != want {
				t.Errorf("%s: line %d has %d cells, its table %d: %q", what, i+1, got, want, lines[i])
			}
		}
		i--
	}
}

// cells counts the pipes of a table row that GitHub splits it at: those
// not escaped by an odd number of backslashes, in code spans too.
func cells(row string) int {
	n, backslashes := 0, 0
	for _, c := range row {
		switch {
		case c == '\\':
			backslashes++
			continue
		case c == '|' && backslashes%2 == 0:
			n++
		}
		backslashes = 0
	}
	return n
}

// Prose is body without its fenced code blocks, whose text is shown as it
// is and never read as markup.
func Prose(body string) string {
	var out []string
	fence := ""
	for _, l := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(l)
		ticks := len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
		switch {
		case fence == "" && ticks >= 3:
			fence = trimmed[:ticks]
		case fence != "" && ticks >= len(fence) && ticks == len(trimmed):
			fence = ""
		case fence == "":
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
