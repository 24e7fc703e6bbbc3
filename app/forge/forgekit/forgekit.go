// Package forgekit holds what the forge implementations (app/forge/github,
// app/forge/gitlab) share: a commit's files listed at once and fetched by
// blob on first read through a bounded cache, the lines of a unified diff,
// and texts cut to a forge's limit.
package forgekit

import (
	"unicode/utf8"
)

// Shorten is s within max characters, cut with "…" when longer so nobody
// takes the rest for the whole.
func Shorten(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}
