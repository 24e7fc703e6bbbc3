package checks

import "testing"

func TestBuildAndImageBoth(t *testing.T) {
	runCases(t, "build-and-image-both", []ruleCase{
		{"both", "services:\n  web:\n    build: .\n    image: me/web:1.0\n", []string{"web@2 low"}},
		{"long build", "services:\n  web:\n    build:\n      context: .\n    image: me/web:1.0\n", []string{"web@2 low"}},
		{"pull_policy build", "services:\n  web:\n    build: .\n    image: me/web:1.0\n    pull_policy: build\n", nil},
		{"pull_policy missing", "services:\n  web:\n    build: .\n    image: me/web:1.0\n    pull_policy: missing\n", nil},
		{"unknown image", "services:\n  web:\n    build: .\n    image: ${IMG}\n", []string{"web@4 info"}},
		{"build only", "services:\n  web:\n    build: .\n", nil},
		{"image only", "services:\n  web:\n    image: me/web:1.0\n", nil},
	})
}

// TestBuildAndImageBothFromAnOverride: mailcow's BUILD_FLAGS override adds
// build to a service whose image the main file sets; the main file's
// service line has no build, so the finding is at the override's.
func TestBuildAndImageBothFromAnOverride(t *testing.T) {
	got := runRuleFiles(t, "build-and-image-both", DefaultOptions(), map[string]string{
		"docker-compose.yml":          "services:\n  unbound-mailcow:\n    image: ghcr.io/mailcow/unbound:1.25.1-1\n",
		"docker-compose.override.yml": "services:\n  unbound-mailcow:\n    build: ./data/Dockerfiles/unbound\n",
	})
	if len(got) != 1 || got[0].Pos.File != "docker-compose.override.yml" || got[0].Pos.Line != 3 {
		t.Fatalf("findings %+v, want one at docker-compose.override.yml:3, the build line", got)
	}
}
