package github

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s     string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"a\nb\nc\nd\n", 8, "a\nb\nc\nd\n"},
		{"line 0001\nline 0002\nline 0003\nline 0004\nline 0005\n", 45, "line 0001\nline 0002\n\n…and 3 more lines"},
		{"line 0001\nline 0002\nline 0003\nline 0004\nline 0005", 45, "line 0001\nline 0002\n\n…and 3 more lines"},
		{"only\n" + strings.Repeat("é", 20), 28, "only\n\n…and 1 more line"},
		{strings.Repeat("é", 20), 30, "éééé\n\n…and 32 more bytes"},
	} {
		got := Truncate(tc.s, tc.limit)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.limit, got, tc.want)
		}
		if len(got) > tc.limit && got != tc.s || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q: over the limit or broken", tc.s, tc.limit, got)
		}
	}
}
