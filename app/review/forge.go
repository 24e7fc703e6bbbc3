// Package review is the pull request review flow: it chooses the compose
// projects a change affects, audits them at base and head with the audit
// engine (app/audit), and posts a check run, inline comments, replies and
// one summary through app/forge's interfaces.
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
}
