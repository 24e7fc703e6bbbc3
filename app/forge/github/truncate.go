package github

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// GitHub's size limits on text, in characters. Truncate counts bytes, which
// are never fewer, so its output always fits.
const (
	// MaxCheckRunText bounds a check run's output summary and text
	// (https://docs.github.com/en/rest/checks/runs#update-a-check-run).
	MaxCheckRunText = 65535
	// MaxCommentBody bounds an issue or review comment's body
	// (https://docs.github.com/en/rest/issues/comments, observed as 65,536).
	MaxCommentBody = 65536
)

// Truncate returns s when it fits in limit bytes, else as many of its whole
// lines as fit followed by a line saying how many were left out. A first line
// too long on its own is cut, and the note counts bytes instead.
func Truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	kept, size := 0, 0
	for kept < len(lines) && size+len(lines[kept])+len(moreNote(len(lines)-kept-1, "line")) <= limit {
		size += len(lines[kept])
		kept++
	}
	if kept > 0 {
		return strings.TrimSuffix(s[:size], "\n") + moreNote(len(lines)-kept, "line")
	}
	// Longest prefix that fits with its note, cut on a rune boundary.
	cut := max(limit-len(moreNote(len(s), "byte")), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + moreNote(len(s)-cut, "byte")
}

func moreNote(n int, unit string) string {
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("\n\n…and %d more %s", n, unit)
}
