package forge

import (
	"context"
	"errors"
	"time"
)

// Repository is a repository the server may act on, as the forge lists
// it.
type Repository struct {
	Repo
	DefaultBranch string
	Archived      bool
}

// Head is a branch's newest commit.
type Head struct {
	SHA  string // the commit
	Tree string // its tree, which a new commit on top of it starts from
}

// Commit is a commit as a branch's history shows it.
type Commit struct {
	SHA     string
	Message string
	// Author is the login of the account the forge links the author to,
	// "" when it links none. GitLab lists commits with names and emails
	// only: there it is the server's own login when both the author and
	// the committer are its commit email, "" for anyone else.
	Author string
	// Verified means the forge vouches for the signature: on GitHub, every
	// commit an App makes through the API without naming an author. GitLab
	// signs no commit made through its API.
	Verified bool
}

// Pull is a pull request as a listing shows it: enough to recognise one
// composeguard opened and to tell what happened to it.
type Pull struct {
	Number  int
	Title   string
	Body    string
	Author  string // login of who opened it
	HeadRef string // the branch it proposes
	HeadSHA string
	Open    bool
	Merged  bool
	Created time.Time
}

// NewPull is a pull request to open from Head into Base.
type NewPull struct {
	Title, Body string
	Head, Base  string // branch names
	// Labels are created where the repository lacks them.
	Labels []string
}

// ErrNotLabelled is CreatePull's error when the pull request was opened
// but could not be labelled; the number returned with it is the pull
// request's.
var ErrNotLabelled = errors.New("opened without its labels")

// PullEdit changes a pull request; empty fields stay as they are.
type PullEdit struct {
	Title, Body string
	Close       bool
}

// Installed lists what the server may act on: for a GitHub App, the
// repositories of every installation.
type Installed interface {
	Repositories(ctx context.Context) ([]Repository, error)
	// Identity is who the server's commits and pull requests are
	// attributed to.
	Identity
}

// CommitFile is one file of a new commit, with its whole content.
type CommitFile struct {
	Path    string
	Content []byte
	// New means the base lacks the file: it is added, not replaced.
	New bool
}

// NewCommit is one commit of file contents written to a branch.
type NewCommit struct {
	Branch  string
	Message string
	Files   []CommitFile
	// From is the branch the commit starts from and Base its head as the
	// caller read it. The commit goes on top of Base; a forge that starts
	// from the branch itself (GitLab) takes its head then, and refuses
	// files that changed on From since Base rather than overwrite them.
	From string
	Base Head
	// Rebuild replaces whatever Branch holds with this one commit, a
	// forced move; without it Branch is created, and an existing one is
	// ErrUnprocessable.
	Rebuild bool
}

// Branches reads branches and writes commits to them as the server itself.
type Branches interface {
	// BranchHead returns a branch's head; ErrNotFound when there is no
	// such branch.
	BranchHead(ctx context.Context, repo Repo, branch string) (Head, error)
	// CommitFiles makes the commit and moves its branch there, and returns
	// its SHA. It names no author, so the forge attributes the commit to
	// the server's account (and signs it, where SignsCommits).
	CommitFiles(ctx context.Context, repo Repo, commit NewCommit) (string, error)
	// CommitsSince lists the commits head has and base has not, oldest
	// first.
	CommitsSince(ctx context.Context, repo Repo, base, head string) ([]Commit, error)
	// SignsCommits reports whether the forge signs every commit
	// CommitFiles makes, so that a commit of the server's account without
	// a verified signature was made some other way.
	SignsCommits() bool
}

// PullWriter finds, opens and changes the pull requests the server proposes.
type PullWriter interface {
	// PullsFrom lists the pull requests from a branch of the repository
	// itself, open and closed, newest first.
	PullsFrom(ctx context.Context, repo Repo, branch string) ([]Pull, error)
	// OpenPulls lists every open pull request, newest first.
	OpenPulls(ctx context.Context, repo Repo) ([]Pull, error)
	// CreatePull opens a pull request whose source branch the forge
	// deletes when it is merged, where it can. A second open pull request
	// from the same branch is ErrUnprocessable.
	CreatePull(ctx context.Context, repo Repo, pull NewPull) (number int, err error)
	EditPull(ctx context.Context, repo Repo, number int, edit PullEdit) error
	// CreateIssueComment adds a comment to the pull request's conversation.
	CreateIssueComment(ctx context.Context, repo Repo, number int, body string) (int64, error)
}
