package checks

import "testing"

func TestCapabilitiesNotDropped(t *testing.T) {
	svc := "services:\n  web:\n    image: nginx:1.27\n"
	runCases(t, "capabilities-not-dropped", []ruleCase{
		{"absent", svc, []string{"web@2 medium"}},
		{"drop ALL", svc + "    cap_drop:\n      - ALL\n", nil},
		{"drop all lower case", svc + "    cap_drop: [all]\n", nil},
		{"drop ALL among others", svc + "    cap_drop:\n      - NET_RAW\n      - ALL\n", nil},
		{"drop some", svc + "    cap_drop:\n      - NET_RAW\n      - MKNOD\n", []string{"web@4 medium"}},
		{"CAP_ALL is no wildcard", svc + "    cap_drop: [CAP_ALL]\n", []string{"web@4 medium"}},
		{"empty list", svc + "    cap_drop: []\n", []string{"web@4 medium"}},
		{"privileged is skipped", svc + "    privileged: true\n", nil},
		{"privileged false is not", svc + "    privileged: false\n", []string{"web@2 medium"}},
		{"interpolated default", svc + "    cap_drop:\n      - ${DROP:-ALL}\n", nil},
		{"unknown variable", svc + "    cap_drop:\n      - ${DROP}\n", []string{"web@4 info"}},
		{"from anchor", "x-hard: &hard\n  cap_drop: [ALL]\nservices:\n  a:\n    <<: *hard\n    image: nginx:1.27\n", nil},
		{"anchor without ALL", "x-hard: &hard\n  cap_drop: [NET_RAW]\nservices:\n  a:\n    <<: *hard\n    image: nginx:1.27\n  b:\n    <<: *hard\n    image: nginx:1.27\n", []string{"a@2 medium"}},
	})
}

func TestCapabilitiesNotDroppedOverride(t *testing.T) {
	fs := runRuleFiles(t, "capabilities-not-dropped", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n    cap_drop: [ALL]\n",
		"compose.override.yaml": "services:\n  web:\n    cap_drop: !reset []\n",
	})
	if got := summarize(fs); len(got) != 1 || fs[0].Pos.File != "compose.override.yaml" || got[0] != "web@3 medium" {
		t.Errorf("findings = %v at %+v, want web@3 medium in compose.override.yaml", got, fs)
	}
}
