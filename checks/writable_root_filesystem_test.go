package checks

import "testing"

func TestWritableRootFilesystem(t *testing.T) {
	svc := "services:\n  web:\n    image: nginx:1.27\n"
	runCases(t, "writable-root-filesystem", []ruleCase{
		{"absent", svc, []string{"web@2 medium"}},
		{"true", svc + "    read_only: true\n", nil},
		{"quoted true", svc + "    read_only: \"true\"\n", nil},
		{"yes", svc + "    read_only: yes\n", nil},
		{"false", svc + "    read_only: false\n", []string{"web@4 medium"}},
		{"quoted false", svc + "    read_only: \"false\"\n", []string{"web@4 medium"}},
		{"no", svc + "    read_only: no\n", []string{"web@4 medium"}},
		{"default true", svc + "    read_only: ${RO:-true}\n", nil},
		{"default false", svc + "    read_only: ${RO:-false}\n", []string{"web@4 medium"}},
		{"unknown", svc + "    read_only: ${RO}\n", []string{"web@4 info"}},
		{"anchor", "x-ro: &ro\n  read_only: false\nservices:\n  a:\n    <<: *ro\n    image: nginx:1.27\n  b:\n    <<: *ro\n    image: nginx:1.27\n", []string{"a@2 medium"}},
		{"anchor true", "x-ro: &ro\n  read_only: true\nservices:\n  a:\n    <<: *ro\n    image: nginx:1.27\n", nil},
	})
}

func TestWritableRootFilesystemOverride(t *testing.T) {
	fs := runRuleFiles(t, "writable-root-filesystem", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n    read_only: true\n",
		"compose.override.yaml": "services:\n  web:\n    read_only: false\n",
	})
	if len(fs) != 1 || fs[0].Pos.File != "compose.override.yaml" || fs[0].Pos.Line != 3 {
		t.Errorf("findings = %+v, want one at compose.override.yaml:3", fs)
	}
}
