package checks

import (
	"strings"
	"testing"
)

func TestImageDigestNotPinned(t *testing.T) {
	sha := "sha256:" + strings.Repeat("ab", 32)
	yaml := "services:\n  a:\n    image: nginx:1.27\n  b:\n    image: nginx:1.27@" + sha + "\n  c:\n    image: nginx\n  d:\n    image: app:${TAG}\n  e:\n    build: .\n"
	files := map[string]string{"compose.yaml": yaml}
	if got := runRuleFiles(t, "image-digest-not-pinned", DefaultOptions(), files); len(got) != 0 {
		t.Errorf("reports without require_digest: %v", summarize(got))
	}
	opts := DefaultOptions()
	opts.RequireDigest = true
	// c has no tag at all: image-tag-not-pinned reports it
	if got, want := strings.Join(summarize(runRuleFiles(t, "image-digest-not-pinned", opts, files)), ", "), "a@3 info, d@9 info"; got != want {
		t.Errorf("findings = %v, want %v", got, want)
	}
}
