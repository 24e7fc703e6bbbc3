package checks

var _ = register(&Rule{
	ID:          "exception-expired",
	Category:    Policy,
	Severity:    High,
	SeverityWhy: "The team's own deadline has passed: the gate fails until the finding is fixed or the exception renewed, whatever the waived finding's severity, so that dates mean something.",
	Title:       "Exception has expired",
	Why:         "The date the team agreed to fix the problem by has passed; the finding it waived counts again.",
	Fix:         "Fix the finding, or renew the exception with a new date and an updated reason.",
})
