package checks

import (
	"strconv"
	"testing"
)

func TestNoNewPrivilegesMissing(t *testing.T) {
	svc := "services:\n  web:\n    image: nginx:1.27\n    security_opt:\n"
	runCases(t, "no-new-privileges-missing", []ruleCase{
		{"no security_opt", "services:\n  web:\n    image: nginx:1.27\n", []string{"web@2 medium"}},
		{"other entries only", svc + "      - apparmor=docker-default\n", []string{"web@4 medium"}},
		{"colon true", svc + "      - no-new-privileges:true\n", nil},
		{"equals true", svc + "      - no-new-privileges=true\n", nil},
		{"bare", svc + "      - no-new-privileges\n", nil},
		{"equals 1", svc + "      - no-new-privileges=1\n", nil},
		{"True", svc + "      - no-new-privileges:True\n", nil},
		{"TRUE quoted", svc + "      - \"no-new-privileges:TRUE\"\n", nil},
		{"t", svc + "      - no-new-privileges=t\n", nil},
		{"T", svc + "      - no-new-privileges:T\n", nil},
		{"flow list", "services:\n  web:\n    image: nginx:1.27\n    security_opt: [no-new-privileges:true]\n", nil},
		{"colon false", svc + "      - no-new-privileges:false\n", []string{"web@5 medium"}},
		{"equals 0", svc + "      - apparmor=docker-default\n      - no-new-privileges=0\n", []string{"web@6 medium"}},
		{"last wins off", svc + "      - no-new-privileges:true\n      - no-new-privileges:false\n", []string{"web@6 medium"}},
		{"last wins on", svc + "      - no-new-privileges:false\n      - no-new-privileges:true\n", nil},
		// ParseBool rejects yes: the container fails to start, security-opt-invalid says so.
		{"yes is invalid not missing", svc + "      - no-new-privileges:yes\n", nil},
		{"space after colon in a string", svc + "      - \"no-new-privileges: true\"\n", nil},
		{"unknown value", svc + "      - no-new-privileges:${NNP}\n", []string{"web@5 info"}},
		{"unknown whole entry", svc + "      - ${SECOPT}\n", []string{"web@5 info"}},
		{"unknown other key is not an excuse", svc + "      - apparmor=${PROFILE}\n", []string{"web@4 medium"}},
		{"default on", svc + "      - no-new-privileges:${NNP:-true}\n", nil},
		{"default off", svc + "      - no-new-privileges:${NNP:-false}\n", []string{"web@5 medium"}},
		{"anchor shared", "x-sec: &sec\n  security_opt:\n    - no-new-privileges:false\nservices:\n  a:\n    <<: *sec\n    image: nginx:1.27\n  b:\n    <<: *sec\n    image: nginx:1.27\n", []string{"a@3 medium"}},
		{"anchor on", "x-sec: &sec\n  security_opt:\n    - no-new-privileges:true\nservices:\n  a:\n    <<: *sec\n    image: nginx:1.27\n", nil},
	})
}

func TestNoNewPrivilegesMissingFiles(t *testing.T) {
	base := "services:\n  web:\n    image: nginx:1.27\n    security_opt:\n      - no-new-privileges:true\n"
	cases := []struct {
		name  string
		opts  Options
		files map[string]string
		want  string
	}{
		{"override turns it off", DefaultOptions(), map[string]string{"compose.yaml": base,
			"compose.override.yaml": "services:\n  web:\n    security_opt:\n      - no-new-privileges:false\n"}, "compose.override.yaml:4"},
		{"override resets it", DefaultOptions(), map[string]string{"compose.yaml": base,
			"compose.override.yaml": "services:\n  web:\n    security_opt: !reset []\n"}, "compose.override.yaml:3"},
		{"daemon enforces it", Options{DaemonNoNewPrivileges: true}, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n"}, ""},
		{"explicit false beats the daemon", Options{DaemonNoNewPrivileges: true}, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    security_opt: [\"no-new-privileges=false\"]\n"}, "compose.yaml:4"},
		{"extends base", DefaultOptions(), map[string]string{"compose.yaml": "services:\n  base:\n    image: nginx:1.27\n    security_opt:\n      - no-new-privileges:false\n  web:\n    extends: base\n"}, "compose.yaml:5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			for _, f := range runRuleFiles(t, "no-new-privileges-missing", tc.opts, tc.files) {
				for _, name := range f.Services {
					if name == "web" {
						got = f.Pos.File + ":" + strconv.Itoa(f.Pos.Line)
					}
				}
			}
			if got != tc.want {
				t.Errorf("finding at %q, want %q", got, tc.want)
			}
		})
	}
}
