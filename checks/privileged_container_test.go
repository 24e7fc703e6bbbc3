package checks

import "testing"

func TestPrivilegedContainer(t *testing.T) {
	runCases(t, "privileged-container", []ruleCase{
		{"yaml true", "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n", []string{"web@4 critical"}},
		{"quoted true", "services:\n  web:\n    image: nginx:1.27\n    privileged: \"true\"\n", []string{"web@4 critical"}},
		{"yes accepted by compose", "services:\n  web:\n    image: nginx:1.27\n    privileged: yes\n", []string{"web@4 critical"}},
		{"on", "services:\n  web:\n    image: nginx:1.27\n    privileged: \"on\"\n", []string{"web@4 critical"}},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    privileged: ${PRIV:-true}\n", []string{"web@4 critical"}},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    privileged: ${PRIV}\n", []string{"web@4 info"}},
		{"false", "services:\n  web:\n    image: nginx:1.27\n    privileged: false\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"from anchor names both services", "x-base: &base\n  privileged: true\nservices:\n  a:\n    <<: *base\n    image: nginx:1.27\n  b:\n    <<: *base\n    image: nginx:1.27\n", []string{"a@2 critical"}},
	})
}
