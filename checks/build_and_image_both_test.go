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
