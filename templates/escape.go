package templates

import (
	"regexp"
	"strings"
	"unicode"
)

// Every value a repository wrote (file and service names, YAML values
// quoted in messages, compose-go's errors, exception reasons, image names
// and labels, branch names) goes through one of these before it lands in
// Markdown, each for its place: a pull request's text is never markup. It
// cannot mention anyone (GitHub and GitLab mention "@name" outside code),
// link anywhere, add HTML or a hidden "<!--" marker, end a code span, or
// add a cell or a line to a table.

// text escapes s for inline prose, a table cell or a link's text: Markdown
// punctuation is escaped, "<", ">" and "&" become entities, a line break
// becomes a space, and an invisible zero-width space (as the entity
// &#8203;, as Dependabot and Renovate write it) keeps "@name" from being a
// mention, "#12" (and GitLab's "!12", "~label", "%12", "$12", "&12") from
// being a reference and "http://" or "www." from being a link.
func text(s string) string {
	return autolinkable.ReplaceAllStringFunc(textEscaper.Replace(oneLine(s)), func(m string) string {
		cut := len(m) - 1
		if m == "://" {
			cut = 1
		}
		return m[:cut] + "&#8203;" + m[cut:]
	})
}

var textEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "~", `\~`, "[", `\[`, "]", `\]`, "|", `\|`, "$", `\$`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
)

// autolinkable matches, in escaped text, what GitHub or GitLab would read
// as a mention, a reference or the start of a link.
var autolinkable = regexp.MustCompile(`(?i)[@%]\w|\\~\w|(#|!|\\\$|&amp;)\d|\bGH-\d|://|\bwww\.`)

// code is s as an inline code span: a fence longer than any run of
// backticks in it, a space inside when s starts or ends with a backtick or
// a space (which the span would strip), one line, and no "<!--".
func code(s string) string {
	s = strings.ReplaceAll(oneLine(s), "<!--", "<!\u200b--")
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// cellcode is s as an inline code span in a table cell, where a pipe
// would end the cell even inside the span unless escaped.
func cellcode(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

// codes lists values as code spans, separated by commas.
func codes(list []string) string { return joinWith(list, code) }

// cellcodes lists values as code spans in a table cell.
func cellcodes(list []string) string { return joinWith(list, cellcode) }

func joinWith(list []string, each func(string) string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = each(s)
	}
	return strings.Join(out, ", ")
}

// Plain makes s safe where a forge shows plain text that composeguard
// reads back or that people copy (check run titles and annotations): one
// kind of line break, no control or bidirectional formatting characters,
// and no "<!--" that could pass for composeguard's hidden markers.
func Plain(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r != '\n' && unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, s)
	return strings.ReplaceAll(s, "<!--", "<!\u200b--")
}

// oneLine puts s on one line and replaces the characters that could
// reorder or hide text (controls, bidirectional overrides) with U+FFFD.
func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

func longestRun(s string, c byte) int {
	longest, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			longest = max(longest, n)
		} else {
			n = 0
		}
	}
	return longest
}
