package checks

var _ = register(&Rule{
	ID:       "exception-invalid",
	Category: Policy,
	Severity: High,
	Title:    "Exception without reason or expiry date",
	Why:      "An undocumented, open-ended exception silently turns a check off for good.",
	Fix:      "Give the exception a `reason` and an `expires` date (YYYY-MM-DD).",
})
