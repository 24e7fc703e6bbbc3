package checks

import "github.com/composeguard/composeguard/app/compose"

// compose-invalid describes files Compose would refuse; the loader finds them.
var _ = register(&Rule{
	ID:          compose.RuleInvalid,
	Category:    Operability,
	Severity:    High,
	SeverityWhy: "Nothing in the file can be checked, so the gate fails closed: a file composeguard cannot read must not pass as a clean one.",
	Title:       "Compose cannot load this file",
	Why:         "Docker Compose refuses the file, so the stack does not start and nothing else in it can be trusted.",
	Fix:         "Correct the file at the line shown; `docker compose config` shows the same error.",
})
