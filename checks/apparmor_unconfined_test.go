package checks

import "testing"

func TestApparmorUnconfined(t *testing.T) {
	runCases(t, "apparmor-unconfined", []ruleCase{
		{"equals", secOptService + "      - apparmor=unconfined\n", []string{"web@5 medium"}},
		{"colon", secOptService + "      - apparmor:unconfined\n", []string{"web@5 medium"}},
		{"single quoted", secOptService + "      - 'apparmor:unconfined'\n", []string{"web@5 medium"}},
		{"named profile", secOptService + "      - apparmor=docker-default\n", nil},
		// a profile named " unconfined": security-opt-invalid reports it.
		{"space after colon", secOptService + "      - \"apparmor: unconfined\"\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"default value", secOptService + "      - apparmor:${AA:-unconfined}\n", []string{"web@5 medium"}},
		{"unknown value", secOptService + "      - apparmor=${AA}\n", []string{"web@5 info"}},
	})
}
