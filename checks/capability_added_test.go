package checks

import (
	"strconv"
	"strings"
	"testing"
)

func TestCapabilityAdded(t *testing.T) {
	svc := "services:\n  web:\n    image: nginx:1.27\n"
	runCases(t, "capability-added", []ruleCase{
		{"none", svc, nil},
		{"ALL", svc + "    cap_add:\n      - ALL\n", []string{"web@5 high"}},
		{"SYS_ADMIN", svc + "    cap_add:\n      - SYS_ADMIN\n", []string{"web@5 high"}},
		{"lower case with prefix", svc + "    cap_add:\n      - cap_sys_admin\n", []string{"web@5 high"}},
		{"lower case", svc + "    cap_add: [sys_module]\n", []string{"web@4 high"}},
		{"each escape primitive", svc + "    cap_add:\n      - SYS_MODULE\n      - SYS_RAWIO\n      - DAC_READ_SEARCH\n      - BPF\n",
			[]string{"web@5 high", "web@6 high", "web@7 high", "web@8 high"}},
		{"NET_ADMIN for a VPN in its own network is medium", svc + "    cap_add:\n      - NET_ADMIN\n", []string{"web@5 medium"}},
		{"NET_ADMIN with the host's network is high", svc + "    network_mode: host\n    cap_add:\n      - NET_ADMIN\n", []string{"web@6 high"}},
		{"NET_ADMIN in a service sharing a host-network service's network", "services:\n  vpn:\n    image: a:1\n    network_mode: host\n  app:\n    image: b:1\n    network_mode: service:vpn\n    cap_add: [NET_ADMIN]\n",
			[]string{"app@8 high"}},
		{"SYS_PTRACE in its own processes is medium", svc + "    cap_add: [SYS_PTRACE]\n", []string{"web@4 medium"}},
		{"SYS_PTRACE with the host's processes is high", svc + "    pid: host\n    cap_add: [SYS_PTRACE]\n", []string{"web@5 high"}},
		{"other non-default", svc + "    cap_add:\n      - SYS_TIME\n      - CAP_IPC_LOCK\n", []string{"web@5 medium", "web@6 medium"}},
		{"defaults after drop ALL", svc + "    cap_drop: [ALL]\n    cap_add:\n      - CHOWN\n      - SETUID\n      - setgid\n      - CAP_NET_BIND_SERVICE\n", nil},
		{"default without drop is a no-op", svc + "    cap_add: [NET_RAW]\n", nil},
		{"one finding per item", svc + "    cap_drop: [ALL]\n    cap_add:\n      - CHOWN\n      - SYS_ADMIN\n      - SYS_NICE\n", []string{"web@7 high", "web@8 medium"}},
		{"interpolated default", svc + "    cap_add:\n      - ${CAP:-SYS_ADMIN}\n", []string{"web@5 high"}},
		{"unknown variable", svc + "    cap_add:\n      - ${CAP}\n", []string{"web@5 info"}},
		{"anchor shared", "x-caps: &caps\n  cap_add: [SYS_ADMIN]\nservices:\n  a:\n    <<: *caps\n    image: nginx:1.27\n  b:\n    <<: *caps\n    image: nginx:1.27\n", []string{"a@2 high"}},
	})
}

func TestCapabilityAddedOverride(t *testing.T) {
	fs := runRuleFiles(t, "capability-added", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n    cap_add: [SYS_TIME]\n",
		"compose.override.yaml": "services:\n  web:\n    cap_add:\n      - SYS_ADMIN\n",
	})
	var got []string
	for _, f := range fs {
		got = append(got, f.Pos.File+"@"+strconv.Itoa(f.Pos.Line)+" "+f.Severity.String())
	}
	if want := "compose.override.yaml@4 high, compose.yaml@4 medium"; strings.Join(got, ", ") != want {
		t.Errorf("findings = %v, want %s", got, want)
	}
}
