package checks

// ExceptionExpiring is the rule of exceptions about to expire, which the
// audit reports.
const ExceptionExpiring = "exception-expiring"

var _ = register(&Rule{
	ID:          ExceptionExpiring,
	Category:    Policy,
	Severity:    Info,
	SeverityWhy: "A reminder before the date; nothing has changed yet.",
	Title:       "Exception expires soon",
	Why:         "Within two weeks the waived finding will fail again.",
	Fix:         "Plan the fix, or renew the exception with a reason.",
})
