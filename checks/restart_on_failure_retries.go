package checks

import (
	"fmt"
	"strconv"
	"strings"
)

// cisRetries is the on-failure retry count CIS 5.15 asks for.
const cisRetries = 5

var _ = register(&Rule{
	ID:          "restart-on-failure-retries",
	Category:    Operability,
	Severity:    Info,
	SeverityWhy: "CIS's suggested bound on crash loops; the unbounded default harms few services.",
	Title:       "on-failure restart count is not 5",
	Why:         "A crashing container restarted without bound loops forever, hiding the failure and loading the host; CIS 5.15 bounds it at 5 tries.",
	Fix:         "Use `restart: on-failure:5` or `deploy.restart_policy.max_attempts: 5`.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			// Compose applies deploy.restart_policy over restart when both are set.
			if s.Deploy != nil && s.Deploy.RestartPolicy != nil {
				checkDeployRetries(c, s.Name, s.Deploy.RestartPolicy.Condition, s.Deploy.RestartPolicy.MaxAttempts)
				continue
			}
			if reportUnknownKeys(c, s.Name, "restart") {
				continue
			}
			policy, count, _ := strings.Cut(s.Restart, ":")
			// Compose reads an unparsable count as 0, which the daemon takes as no bound.
			n, _ := strconv.Atoi(count)
			if policy != "on-failure" || n == cisRetries {
				continue
			}
			l, _ := c.Project.Locate(s.Name, "restart")
			c.Report(Finding{Service: s.Name, Pos: l.Pos, KeyPath: "restart", Message: retriesMessage(n)})
		}
	},
})

func checkDeployRetries(c *Context, service, condition string, attempts *uint64) {
	const key = "deploy.restart_policy.max_attempts"
	if reportUnknownKeys(c, service, "deploy.restart_policy.condition", key) {
		return
	}
	n := 0
	if attempts != nil {
		n = int(*attempts)
	}
	if condition != "on-failure" || n == cisRetries {
		return
	}
	f := Finding{Service: service, KeyPath: key, Message: retriesMessage(n)}
	if l, ok := c.Project.Locate(service, "deploy", "restart_policy", "max_attempts"); ok {
		f.Pos = l.Pos
	} else {
		l, _ := c.Project.Locate(service, "deploy", "restart_policy", "condition")
		f.Pos = l.Pos
	}
	c.Report(f)
}

func retriesMessage(n int) string {
	if n <= 0 {
		return "on-failure with no retry bound restarts a crashing container forever"
	}
	return fmt.Sprintf("on-failure retries %d times, not %d", n, cisRetries)
}
