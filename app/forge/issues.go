package forge

import "context"

// Issue is an issue as a listing shows it; pull requests are never issues
// here, though GitHub lists them together.
type Issue struct {
	Number int // GitLab's iid
	Title  string
	Body   string
	Author string // login of who opened it, spelled as Identity's Login
	Open   bool
}

// Issues finds, opens and edits the issues the server writes (the security
// dashboard).
type Issues interface {
	// IssuesBy lists the issues author opened, open and closed, newest
	// first, at most MaxIssuesListed.
	IssuesBy(ctx context.Context, repo Repo, author string) ([]Issue, error)
	CreateIssue(ctx context.Context, repo Repo, title, body string) (number int, err error)
	// EditIssue replaces an issue's body.
	EditIssue(ctx context.Context, repo Repo, number int, body string) error
}

// MaxIssuesListed bounds IssuesBy: the server's account opens one issue a
// repository, so more are someone else's doing.
const MaxIssuesListed = 1000
