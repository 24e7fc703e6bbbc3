package checks

// PolicyNested is the rule of a policy file below the repository root,
// which app/audit reports.
const PolicyNested = "policy-nested"

var _ = register(&Rule{
	ID:          PolicyNested,
	Category:    Policy,
	Severity:    Info,
	SeverityWhy: "Nothing in the stacks is at risk; the finding only says which settings apply.",
	Title:       "Policy file below the repository root is not read",
	Why:         "Only the .composeguard.yml at the repository root is read, by the audit command wherever it runs and by the pull request review, so settings in a folder's own file silently do nothing.",
	Fix:         "Move its settings into the repository root's .composeguard.yml (an exception can name its files with file:) and delete this one.",
})
