package checks

import "testing"

func TestProcMasksDisabled(t *testing.T) {
	runCases(t, "proc-masks-disabled", []ruleCase{
		{"systempaths unconfined", secOptService + "      - systempaths=unconfined\n", []string{"web@5 high"}},
		{"quoted in flow list", "services:\n  web:\n    image: nginx:1.27\n    security_opt: [\"systempaths=unconfined\"]\n", []string{"web@4 high"}},
		// Compose matches the exact string; the daemon rejects the rest.
		{"colon spelling", secOptService + "      - systempaths:unconfined\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"default value", secOptService + "      - systempaths=${SP:-unconfined}\n", []string{"web@5 high"}},
		{"unknown value", secOptService + "      - systempaths=${SP}\n", []string{"web@5 info"}},
	})
}
