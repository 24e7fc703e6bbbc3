package checks

import "testing"

func TestSecurityOptInvalid(t *testing.T) {
	runCases(t, "security-opt-invalid", []ruleCase{
		{"valid entries", secOptService + "      - no-new-privileges\n      - no-new-privileges:true\n      - no-new-privileges=0\n" +
			"      - apparmor=docker-default\n      - seccomp:unconfined\n      - label=disable\n      - label:user:USER\n" +
			"      - label=level:s0:c100,c200\n      - systempaths=unconfined\n      - writable-cgroups=true\n", nil},
		{"no separator", secOptService + "      - disable\n", []string{"web@5 low"}},
		{"unknown key", secOptService + "      - selinux=disable\n", []string{"web@5 low"}},
		{"key is case sensitive", secOptService + "      - Seccomp=unconfined\n", []string{"web@5 low"}},
		{"space after colon", secOptService + "      - \"apparmor: false\"\n", []string{"web@5 low"}},
		{"space after equals", secOptService + "      - \"no-new-privileges= true\"\n", []string{"web@5 low"}},
		{"no value", secOptService + "      - seccomp=\n", []string{"web@5 low"}},
		{"nnp yes", secOptService + "      - no-new-privileges:yes\n", []string{"web@5 low"}},
		{"nnp on", secOptService + "      - no-new-privileges=on\n", []string{"web@5 low"}},
		{"writable-cgroups not bool", secOptService + "      - writable-cgroups=maybe\n", []string{"web@5 low"}},
		{"label seccomp", secOptService + "      - label:seccomp:unconfined\n", []string{"web@5 low"}},
		{"label unknown word", secOptService + "      - label=enable\n", []string{"web@5 low"}},
		{"label type without value", secOptService + "      - \"label=type:\"\n", []string{"web@5 low"}},
		{"systempaths colon", secOptService + "      - systempaths:unconfined\n", []string{"web@5 low"}},
		{"systempaths other value", secOptService + "      - systempaths=confined\n", []string{"web@5 low"}},
		{"several", secOptService + "      - no-new-privileges:true\n      - apparmor unconfined\n      - label:seccomp:unconfined\n", []string{"web@6 low", "web@7 low"}},
		{"default value", secOptService + "      - no-new-privileges:${NNP:-yes}\n", []string{"web@5 low"}},
		{"unknown", secOptService + "      - apparmor=${AA}\n", []string{"web@5 info"}},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
	})
}
