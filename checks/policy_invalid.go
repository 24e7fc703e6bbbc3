package checks

// PolicyInvalid is the rule of the policy file's own problems, which
// app/policy reports.
const PolicyInvalid = "policy-invalid"

var _ = register(&Rule{
	ID:          PolicyInvalid,
	Category:    Policy,
	Severity:    High,
	SeverityWhy: "A broken policy falls back to defaults the repository did not choose; failing makes the mistake visible instead of quietly checking something else.",
	Title:       "Policy file has an error",
	Why:         "A mistyped key or value in .composeguard.yml is ignored, so the policy is not the one the team meant.",
	Fix:         "Correct the key or value at the line shown; the README lists every setting.",
})
