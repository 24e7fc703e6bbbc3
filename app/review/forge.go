package review

import "github.com/composeguard/composeguard/app/forge"

// Forge is everything a pull request review uses of a forge.
type Forge interface {
	forge.PullRequests
	forge.Contents
	forge.Checks
	forge.Reviews
	forge.Summaries
}
