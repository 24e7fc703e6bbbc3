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
	// first, at most MaxIssuesListed. The forge filters by author, which
	// some fail to do for bots (Renovate's duplicated dashboards on GitHub
	// Enterprise Cloud, renovatebot/renovate#44730): a caller that knows
	// its issue's number asks for it with Issue first.
	IssuesBy(ctx context.Context, repo Repo, author string) ([]Issue, error)
	// Issue reads one issue; ErrNotFound when there is none of that
	// number (on GitHub, a pull request is none either).
	Issue(ctx context.Context, repo Repo, number int) (Issue, error)
	CreateIssue(ctx context.Context, repo Repo, title, body string) (number int, err error)
	// EditIssue replaces an issue's body.
	EditIssue(ctx context.Context, repo Repo, number int, body string) error
}

// MaxIssuesListed bounds IssuesBy: the server's account opens one issue a
// repository, so more are someone else's doing.
const MaxIssuesListed = 1000
