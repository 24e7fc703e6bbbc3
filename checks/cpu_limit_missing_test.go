package checks

import "testing"

func TestCPULimitMissing(t *testing.T) {
	runCases(t, "cpu-limit-missing", []ruleCase{
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", []string{"web@2 low"}},
		{"cpus number", "services:\n  web:\n    image: nginx:1.27\n    cpus: 0.5\n", nil},
		{"cpus string", "services:\n  web:\n    image: nginx:1.27\n    cpus: \"2\"\n", nil},
		{"deploy limit", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          cpus: \"0.50\"\n", nil},
		{"cpus agree", "services:\n  web:\n    image: nginx:1.27\n    cpus: 1\n    deploy:\n      resources:\n        limits:\n          cpus: \"1\"\n", nil},
		{"quota with period", "services:\n  web:\n    image: nginx:1.27\n    cpu_quota: 50000\n    cpu_period: 100000\n", nil},
		{"quota alone uses the default period", "services:\n  web:\n    image: nginx:1.27\n    cpu_quota: 50000\n", nil},
		{"no version gating", "version: \"2.4\"\nservices:\n  web:\n    image: nginx:1.27\n    cpus: 1\n", nil},
		{"cpus 0 is no limit", "services:\n  web:\n    image: nginx:1.27\n    cpus: 0\n", []string{"web@4 low"}},
		{"deploy cpus 0", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          cpus: \"0\"\n", []string{"web@7 low"}},
		{"period alone", "services:\n  web:\n    image: nginx:1.27\n    cpu_period: 100000\n", []string{"web@4 low"}},
		{"quota -1 is unlimited", "services:\n  web:\n    image: nginx:1.27\n    cpu_quota: -1\n", []string{"web@4 low"}},
		{"shares are a priority", "services:\n  web:\n    image: nginx:1.27\n    cpu_shares: 512\n", []string{"web@2 low"}},
		{"cpuset is a pinning", "services:\n  web:\n    image: nginx:1.27\n    cpuset: \"0,1\"\n", []string{"web@2 low"}},
		{"reservation is not a limit", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        reservations:\n          cpus: \"1\"\n", []string{"web@2 low"}},
		{"cpus with quota: daemon refuses", "services:\n  web:\n    image: nginx:1.27\n    cpus: 1\n    cpu_quota: 50000\n", []string{"web@5 medium"}},
		{"deploy cpus with period: daemon refuses", "services:\n  web:\n    image: nginx:1.27\n    cpu_period: 50000\n    deploy:\n      resources:\n        limits:\n          cpus: \"1\"\n", []string{"web@4 medium"}},
		{"from anchor", "x-cpu: &cpu\n  cpus: 1\nservices:\n  a:\n    <<: *cpu\n    image: nginx:1.27\n", nil},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    cpus: ${CPUS}\n", []string{"web@4 info"}},
	})
}
