package checks

import "testing"

func TestRestartOnFailureRetries(t *testing.T) {
	runCases(t, "restart-on-failure-retries", []ruleCase{
		{"five", "services:\n  web:\n    image: x\n    restart: on-failure:5\n", nil},
		{"quoted five", "services:\n  web:\n    image: x\n    restart: \"on-failure:5\"\n", nil},
		{"three", "services:\n  web:\n    image: x\n    restart: on-failure:3\n", []string{"web@4 info"}},
		{"ten", "services:\n  web:\n    image: x\n    restart: \"on-failure:10\"\n", []string{"web@4 info"}},
		{"no count is unbounded", "services:\n  web:\n    image: x\n    restart: on-failure\n", []string{"web@4 info"}},
		{"zero is unbounded", "services:\n  web:\n    image: x\n    restart: on-failure:0\n", []string{"web@4 info"}},
		{"unless-stopped is out of scope", "services:\n  web:\n    image: x\n    restart: unless-stopped\n", nil},
		{"always", "services:\n  web:\n    image: x\n    restart: always\n", nil},
		{"absent", "services:\n  web:\n    image: x\n", nil},
		{"interpolated default", "services:\n  web:\n    image: x\n    restart: ${RESTART:-on-failure}\n", []string{"web@4 info"}},
		{"unknown", "services:\n  web:\n    image: x\n    restart: ${RESTART}\n", []string{"web@4 info"}},
		{"deploy five", "services:\n  web:\n    image: x\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 5\n", nil},
		{"deploy three", "services:\n  web:\n    image: x\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 3\n", []string{"web@7 info"}},
		{"deploy without max_attempts", "services:\n  web:\n    image: x\n    deploy:\n      restart_policy:\n        condition: on-failure\n", []string{"web@6 info"}},
		{"deploy any", "services:\n  web:\n    image: x\n    deploy:\n      restart_policy:\n        condition: any\n", nil},
		{"deploy wins over restart", "services:\n  web:\n    image: x\n    restart: on-failure:2\n    deploy:\n      restart_policy:\n        condition: on-failure\n        max_attempts: 5\n", nil},
		{"deploy wins, restart ignored", "services:\n  web:\n    image: x\n    restart: on-failure:5\n    deploy:\n      restart_policy:\n        condition: on-failure\n", []string{"web@7 info"}},
	})
}
