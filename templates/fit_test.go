package templates

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFitKeepsAsMuchAsTheLimitAllows(t *testing.T) {
	// render(n) lists n items of 10 bytes after a 5-byte header.
	render := func(n int) (string, error) { return "head\n" + strings.Repeat("item.....\n", n), nil }
	for _, tc := range []struct{ limit, longest, want int }{
		{1000, 20, 20}, // all of it fits
		{105, 20, 10},  // exactly ten
		{104, 20, 9},
		{5, 20, 0},
	} {
		got, err := Fit(tc.limit, tc.longest, render)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(got, "item"); n != tc.want || len(got) > tc.limit {
			t.Errorf("Fit(%d) kept %d items in %d bytes, want %d", tc.limit, n, len(got), tc.want)
		}
	}
	// Even the shortest rendering is too long: cut between characters.
	got, _ := Fit(61, 3, func(int) (string, error) { return strings.Repeat("é", 100), nil })
	if len(got) > 61 || !strings.HasSuffix(got, truncated) || !utf8.ValidString(got) {
		t.Errorf("an unfittable text was cut to %q", got)
	}
}
