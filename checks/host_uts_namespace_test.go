package checks

import "testing"

func TestHostUTSNamespace(t *testing.T) {
	runCases(t, "host-uts-namespace", []ruleCase{
		{"host", "services:\n  web:\n    image: nginx:1.27\n    uts: host\n", []string{"web@4 low"}},
		{"quoted host", "services:\n  web:\n    image: nginx:1.27\n    uts: \"host\"\n", []string{"web@4 low"}},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    uts: ${UTS:-host}\n", []string{"web@4 low"}},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    uts: ${UTS}\n", []string{"web@4 info"}},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		// Docker accepts only host for uts: a service reference is not followed.
		{"service reference not followed",
			"services:\n  a:\n    image: nginx:1.27\n    uts: host\n  b:\n    image: nginx:1.27\n    uts: service:a\n",
			[]string{"a@4 low"}},
	})
}
