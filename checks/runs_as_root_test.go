package checks

import "testing"

func TestRunsAsRoot(t *testing.T) {
	svc := "services:\n  web:\n    image: nginx:1.27\n"
	runCases(t, "runs-as-root", []ruleCase{
		{"unset", svc, []string{"web@2 info"}},
		{"root", svc + "    user: root\n", []string{"web@4 medium"}},
		{"zero string", svc + "    user: \"0\"\n", []string{"web@4 medium"}},
		{"root with group", svc + "    user: root:root\n", []string{"web@4 medium"}},
		{"zero with group", svc + "    user: \"0:1000\"\n", []string{"web@4 medium"}},
		{"app user root group", svc + "    user: app:root\n", nil},
		{"uid", svc + "    user: \"1000:1000\"\n", nil},
		{"name", svc + "    user: nobody\n", nil},
		{"default uid", svc + "    user: ${UID:-1000}\n", nil},
		{"default root", svc + "    user: ${UID:-0}:${GID:-0}\n", []string{"web@4 medium"}},
		{"unknown", svc + "    user: ${UID}\n", []string{"web@4 info"}},
		{"empty string", svc + "    user: \"\"\n", []string{"web@4 info"}},
		{"anchor", "x-u: &u\n  user: root\nservices:\n  a:\n    <<: *u\n    image: nginx:1.27\n  b:\n    <<: *u\n    image: nginx:1.27\n", []string{"a@2 medium"}},
	})
}
