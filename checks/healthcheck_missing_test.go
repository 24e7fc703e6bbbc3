package checks

import "testing"

func TestHealthcheckMissing(t *testing.T) {
	runCases(t, "healthcheck-missing", []ruleCase{
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", []string{"web@2 low"}},
		{"test list", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n", nil},
		{"test string", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: curl -f http://localhost || exit 1\n", nil},
		{"timing only keeps the image's test", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      interval: 30s\n", nil},
		{"disable true", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      disable: true\n", []string{"web@5 low"}},
		{"disable string", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      disable: \"true\"\n", []string{"web@5 low"}},
		{"disable yes", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      disable: yes\n", []string{"web@5 low"}},
		{"disable false", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      disable: false\n      test: [\"CMD\", \"true\"]\n", nil},
		{"test NONE", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"NONE\"]\n", []string{"web@5 low"}},
		{"test NONE block list", "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n      test:\n        - NONE\n", []string{"web@5 low"}},
		{"from anchor", "x-hc: &hc\n  test: [\"NONE\"]\nservices:\n  a:\n    image: x\n    healthcheck: *hc\n  b:\n    image: x\n    healthcheck: *hc\n", []string{"a@2 low"}},
	})
}
