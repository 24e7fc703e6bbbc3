package checks

import "github.com/composeguard/composeguard/app/compose"

// path-outside-repository describes include, extends and env_file paths that
// leave the repository; the loader refuses to read them.
var _ = register(&Rule{
	ID:          compose.RuleOutside,
	Category:    HostIsolation,
	Severity:    High,
	SeverityWhy: "composeguard does not read what the reference points at, so it cannot vouch for the project: the gate fails closed.",
	Title:       "File reference leaves the repository",
	Why:         "An absolute path, a path past the repository root or a URL makes the stack depend on files nobody reviews, and could read the deploying host's files.",
	Fix:         "Keep included, extended and env files inside the repository and refer to them by relative path.",
})
