package checks

// ExceptionExpired is the rule of expired exceptions, which the audit
// reports.
const ExceptionExpired = "exception-expired"

var _ = register(&Rule{
	ID:          ExceptionExpired,
	Category:    Policy,
	Severity:    High,
	SeverityWhy: "The team's own deadline has passed: the gate fails until the finding is fixed or the exception renewed, whatever the waived finding's severity, so that dates mean something.",
	Title:       "Exception has expired",
	Why:         "The date the team agreed to fix the problem by has passed; the finding it waived counts again.",
	Fix:         "Fix the finding, or renew the exception with a new date and an updated reason.",
})
