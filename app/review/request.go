package review

import "github.com/composeguard/composeguard/app/forge"

// Request asks for the review of one pull request head. It is what a
// webhook turns into and what the review job carries.
type Request struct {
	Repo    forge.Repo `json:"repo"`
	Number  int        `json:"number"`
	HeadSHA string     `json:"head_sha"`
}

// Forge is everything a pull request review uses of a forge.
type Forge interface {
	forge.PullRequests
	forge.Contents
	forge.Checks
	forge.Reviews
	forge.Summaries
}
