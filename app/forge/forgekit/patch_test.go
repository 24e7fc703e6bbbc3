package forgekit

import (
	"maps"
	"slices"
	"testing"
)

func TestParsePatch(t *testing.T) {
	for _, tc := range []struct {
		patch        string
		lines, added []int
	}{
		{"@@ -1 +1 @@\n-a\n+b", []int{1}, []int{1}},
		{"@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file", []int{1, 2}, []int{1, 2}},
		{"@@ -1,2 +0,0 @@\n-a\n-b", nil, nil},
		// Two hunks; a blank context line that lost its leading space.
		{"@@ -2,3 +2,3 @@ services:\n a\n-b\n+B\n\n@@ -20,2 +20,3 @@\n x\n+y\n z", []int{2, 3, 4, 20, 21, 22}, []int{3, 21}},
	} {
		lines, added := ParsePatch(tc.patch)
		if !slices.Equal(sorted(lines), tc.lines) || !slices.Equal(sorted(added), tc.added) {
			t.Errorf("ParsePatch(%q) = %v, %v; want %v, %v", tc.patch, sorted(lines), sorted(added), tc.lines, tc.added)
		}
	}
}

func sorted(set map[int]bool) []int {
	return slices.Sorted(maps.Keys(set))
}
