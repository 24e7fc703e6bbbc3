package checks

import "testing"

func TestHostCgroupNamespace(t *testing.T) {
	runCases(t, "host-cgroup-namespace", []ruleCase{
		{"host", "services:\n  web:\n    image: nginx:1.27\n    cgroup: host\n", []string{"web@4 medium"}},
		{"quoted host", "services:\n  web:\n    image: nginx:1.27\n    cgroup: \"host\"\n", []string{"web@4 medium"}},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    cgroup: ${CGROUPNS:-host}\n", []string{"web@4 medium"}},
		{"private", "services:\n  web:\n    image: nginx:1.27\n    cgroup: private\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"cgroup_parent is another rule", "services:\n  web:\n    image: nginx:1.27\n    cgroup_parent: host\n", nil},
	})
}
