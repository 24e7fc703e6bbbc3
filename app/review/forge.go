// Package review is the pull request review flow: it chooses the compose
// projects a change affects, audits them at base and head with the audit
// engine (app/audit), and posts a check run, one inline comment per service
// or added line with its verified suggestion (app/fix), and one summary
// through app/forge's interfaces, resolving the threads of fixed comments.
package review

import "github.com/composeguard/composeguard/app/forge"

// Forge is everything a pull request review uses of a forge.
type Forge interface {
	forge.PullRequests
	forge.Contents
	forge.Checks
	forge.Reviews
	forge.Summaries
	forge.Links
	forge.Identity
}
