package textdiff

import "testing"

// The expected patches are GNU diff -U3's, headers and all.
func TestDiffContentsMatchesUnifiedDiff(t *testing.T) {
	for _, tc := range []struct{ before, after, patch string }{
		{"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n", "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nl\nM\nn",
			"@@ -1,6 +1,6 @@\n a\n b\n-c\n+C\n d\n e\n f\n@@ -10,5 +10,5 @@\n j\n k\n l\n-m\n-n\n+M\n+n\n\\ No newline at end of file"},
		{"x\ny", "x\ny\n", "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y"},
		// Changes 7 lines apart: two hunks; 6 apart would make one.
		{"a\nb\nc\nd\ne\nf\ng\nh\ni\n", "A\nb\nc\nd\ne\nf\ng\nh\nI\n",
			"@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n@@ -6,4 +6,4 @@\n f\n g\n h\n-i\n+I"},
		{"", "new\n", "@@ -0,0 +1 @@\n+new"},
		{"old\n", "", "@@ -1 +0,0 @@\n-old"},
		{"same\n", "same\n", ""},
	} {
		if got := Patch(Hunks(tc.before, tc.after)); got != tc.patch {
			t.Errorf("diff %q → %q:\n got %q\nwant %q", tc.before, tc.after, got, tc.patch)
		}
	}
}

func TestUnifiedHasGitsFileHeaders(t *testing.T) {
	got := Unified("stacks/compose.yaml", []byte("services:\n  web:\n    image: nginx\n"), []byte("services:\n  web:\n    image: nginx\n    read_only: true\n"))
	want := "--- a/stacks/compose.yaml\n+++ b/stacks/compose.yaml\n@@ -1,3 +1,4 @@\n services:\n   web:\n     image: nginx\n+    read_only: true\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := Unified("compose.yaml", []byte("a\n"), []byte("a\n")); got != "" {
		t.Errorf("no change: got %q, want nothing", got)
	}
}
