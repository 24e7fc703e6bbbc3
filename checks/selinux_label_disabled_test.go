package checks

import "testing"

func TestSelinuxLabelDisabled(t *testing.T) {
	runCases(t, "selinux-label-disabled", []ruleCase{
		{"equals", secOptService + "      - label=disable\n", []string{"web@5 medium"}},
		{"colon", secOptService + "      - label:disable\n", []string{"web@5 medium"}},
		// Compose refuses bare disable (no separator): security-opt-invalid.
		{"bare disable", secOptService + "      - disable\n", nil},
		{"label user", secOptService + "      - label=user:USER\n", nil},
		{"label type colon", secOptService + "      - label:type:svirt_apache_t\n", nil},
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"default value", secOptService + "      - label=${LABEL:-disable}\n", []string{"web@5 medium"}},
		{"unknown value", secOptService + "      - label=${LABEL}\n", []string{"web@5 info"}},
	})
}
