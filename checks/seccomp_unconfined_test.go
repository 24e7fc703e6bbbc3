package checks

import "testing"

const secOptService = "services:\n  web:\n    image: nginx:1.27\n    security_opt:\n"

func TestSeccompUnconfined(t *testing.T) {
	runCases(t, "seccomp-unconfined", []ruleCase{
		{"equals", secOptService + "      - seccomp=unconfined\n", []string{"web@5 high"}},
		{"colon", secOptService + "      - seccomp:unconfined\n", []string{"web@5 high"}},
		{"quoted, among others", secOptService + "      - no-new-privileges:true\n      - \"seccomp=unconfined\"\n", []string{"web@6 high"}},
		{"flow list", "services:\n  web:\n    image: nginx:1.27\n    security_opt: [seccomp:unconfined]\n", []string{"web@4 high"}},
		{"custom profile is info", secOptService + "      - seccomp=./seccomp.json\n", []string{"web@5 info"}},
		{"builtin", secOptService + "      - seccomp=builtin\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		// go-selinux reads this as a label option; the seccomp filter stays.
		{"label:seccomp:unconfined", secOptService + "      - label:seccomp:unconfined\n", nil},
		{"apparmor unconfined is another rule", secOptService + "      - apparmor=unconfined\n", nil},
		{"default value", secOptService + "      - seccomp=${SECCOMP:-unconfined}\n", []string{"web@5 high"}},
		{"unknown value", secOptService + "      - seccomp=${SECCOMP}\n", []string{"web@5 info"}},
		{"unknown entry", secOptService + "      - ${OPT}\n", []string{"web@5 info"}},
		{"anchor", "x-s: &s\n  security_opt: [seccomp=unconfined]\nservices:\n  a:\n    <<: *s\n    image: nginx:1.27\n  b:\n    <<: *s\n    image: nginx:1.27\n", []string{"a@2 high"}},
	})
}
