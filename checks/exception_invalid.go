package checks

// ExceptionInvalid is the rule of malformed exceptions, which app/policy
// reports.
const ExceptionInvalid = "exception-invalid"

var _ = register(&Rule{
	ID:          ExceptionInvalid,
	Category:    Policy,
	Severity:    High,
	SeverityWhy: "A malformed exception is a policy error: like policy-invalid, the gate fails closed until it is corrected rather than let a half-written waiver stand.",
	Title:       "Exception without reason or expiry date",
	Why:         "An undocumented, open-ended exception silently turns a check off for good.",
	Fix:         "Give the exception a `reason` and an `expires` date (YYYY-MM-DD).",
})
