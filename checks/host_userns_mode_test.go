package checks

import "testing"

func TestHostUsernsMode(t *testing.T) {
	runCases(t, "host-userns-mode", []ruleCase{
		{"host", "services:\n  web:\n    image: nginx:1.27\n    userns_mode: host\n", []string{"web@4 medium"}},
		{"quoted host", "services:\n  web:\n    image: nginx:1.27\n    userns_mode: \"host\"\n", []string{"web@4 medium"}},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    userns_mode: ${USERNS:-host}\n", []string{"web@4 medium"}},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    userns_mode: ${USERNS}\n", []string{"web@4 info"}},
		{"empty default", "services:\n  web:\n    image: nginx:1.27\n    userns_mode: ${USERNS:-}\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
	})
}
