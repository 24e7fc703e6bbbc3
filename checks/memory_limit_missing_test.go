package checks

import "testing"

func TestMemoryLimitMissing(t *testing.T) {
	runCases(t, "memory-limit-missing", []ruleCase{
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", []string{"web@2 medium"}},
		{"mem_limit lower-case unit", "services:\n  web:\n    image: nginx:1.27\n    mem_limit: 512m\n", nil},
		{"mem_limit integer bytes", "services:\n  web:\n    image: nginx:1.27\n    mem_limit: 536870912\n", nil},
		{"deploy limit upper-case unit", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          memory: 256M\n", nil},
		{"deploy limit g", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          memory: 1g\n", nil},
		{"both agree", "services:\n  web:\n    image: nginx:1.27\n    mem_limit: 256m\n    deploy:\n      resources:\n        limits:\n          memory: 256M\n", nil},
		{"no version gating", "version: \"2.4\"\nservices:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          memory: 1g\n", nil},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    mem_limit: ${MEM:-512m}\n", nil},
		{"mem_limit 0 is no limit", "services:\n  web:\n    image: nginx:1.27\n    mem_limit: 0\n", []string{"web@4 medium"}},
		{"deploy limit 0", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          memory: \"0\"\n", []string{"web@7 medium"}},
		{"reservation is not a limit", "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n        reservations:\n          memory: 256M\n", []string{"web@2 medium"}},
		{"oom_kill_disable without limit", "services:\n  web:\n    image: nginx:1.27\n    oom_kill_disable: true\n", []string{"web@4 medium"}},
		{"oom_kill_disable string with limit", "services:\n  web:\n    image: nginx:1.27\n    oom_kill_disable: \"yes\"\n    mem_limit: 1g\n", nil},
		{"from anchor", "x-res: &res\n  resources:\n    limits:\n      memory: 512M\nservices:\n  a:\n    image: nginx:1.27\n    deploy: *res\n  b:\n    image: nginx:1.27\n    deploy:\n      <<: *res\n", nil},
		{"zero in anchor names both", "x-lim: &lim\n  mem_limit: 0\nservices:\n  a:\n    <<: *lim\n    image: nginx:1.27\n  b:\n    <<: *lim\n    image: nginx:1.27\n", []string{"a@2 medium"}},
		{"extends base", "services:\n  base:\n    image: nginx:1.27\n    mem_limit: 1g\n  web:\n    extends: base\n", nil},
		{"unknown variable", "services:\n  web:\n    image: nginx:1.27\n    mem_limit: ${MEM}\n", []string{"web@4 info"}},
		{"unknown oom_kill_disable", "services:\n  web:\n    image: nginx:1.27\n    oom_kill_disable: ${OOM}\n", []string{"web@2 medium"}},
	})
}

func TestMemoryLimitMissingOverride(t *testing.T) {
	got := summarize(runRuleFiles(t, "memory-limit-missing", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n",
		"compose.override.yaml": "services:\n  web:\n    mem_limit: 1g\n",
	}))
	if len(got) != 0 {
		t.Errorf("findings = %v, want none", got)
	}
}
