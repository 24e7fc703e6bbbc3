package checks

import "testing"

func TestPidsLimitMissing(t *testing.T) {
	runCases(t, "pids-limit-missing", []ruleCase{
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", []string{"web@2 medium"}},
		{"pids_limit", "services:\n  web:\n    image: nginx:1.27\n    pids_limit: 200\n", nil},
		{"pids_limit string", "services:\n  web:\n    image: nginx:1.27\n    pids_limit: \"100\"\n", nil},
		{"deploy limit", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          pids: 100\n", nil},
		{"both agree", "services:\n  web:\n    image: nginx:1.27\n    pids_limit: 100\n    deploy:\n      resources:\n        limits:\n          pids: 100\n", nil},
		{"no version gating", "version: \"2.4\"\nservices:\n  web:\n    image: nginx:1.27\n    pids_limit: 100\n", nil},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    pids_limit: ${PIDS:-100}\n", nil},
		{"-1 is unlimited", "services:\n  web:\n    image: nginx:1.27\n    pids_limit: -1\n", []string{"web@4 medium"}},
		{"0 is unlimited", "services:\n  web:\n    image: nginx:1.27\n    pids_limit: 0\n", []string{"web@4 medium"}},
		{"deploy -1", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          pids: -1\n", []string{"web@7 medium"}},
		{"ulimit nproc is not a pids limit", "services:\n  web:\n    image: nginx:1.27\n    ulimits:\n      nproc: 65535\n", []string{"web@2 medium"}},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    pids_limit: ${PIDS}\n", []string{"web@4 info"}},
	})
}
