package checks

import "testing"

func TestCustomCgroupParent(t *testing.T) {
	runCases(t, "custom-cgroup-parent", []ruleCase{
		{"path", "services:\n  web:\n    image: nginx:1.27\n    cgroup_parent: /custom\n", []string{"web@4 low"}},
		{"systemd slice", "services:\n  web:\n    image: nginx:1.27\n    cgroup_parent: \"homelab.slice\"\n", []string{"web@4 low"}},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    cgroup_parent: ${CG:-m.slice}\n", []string{"web@4 low"}},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    cgroup_parent: ${CG}\n", []string{"web@4 info"}},
		{"empty default", "services:\n  web:\n    image: nginx:1.27\n    cgroup_parent: ${CG:-}\n", nil},
		{"empty string", "services:\n  web:\n    image: nginx:1.27\n    cgroup_parent: \"\"\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"from anchor", "x-cg: &cg\n  cgroup_parent: ops.slice\nservices:\n  a:\n    <<: *cg\n    image: nginx:1.27\n  b:\n    <<: *cg\n    image: nginx:1.27\n", []string{"a@2 low"}},
	})
}
