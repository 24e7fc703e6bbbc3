package forge

import (
	"context"
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
	// "" when it links none.
	Author string
	// Verified means the forge vouches for the signature: on GitHub, every
	// commit an App makes through the API without naming an author.
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
}

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

// Branches reads branches and writes commits to them as the server itself,
// so that the forge signs them.
type Branches interface {
	// BranchHead returns a branch's head; ErrNotFound when there is no
	// such branch.
	BranchHead(ctx context.Context, repo Repo, branch string) (Head, error)
	// CreateCommit makes one commit on top of parent that replaces the
	// content of files (path → content) and returns its SHA. It names no
	// author, so the forge attributes and signs it as the server.
	CreateCommit(ctx context.Context, repo Repo, parent Head, message string, files map[string][]byte) (string, error)
	// CreateBranch makes a branch pointing at sha.
	CreateBranch(ctx context.Context, repo Repo, branch, sha string) error
	// ResetBranch moves a branch to sha even when that drops commits.
	ResetBranch(ctx context.Context, repo Repo, branch, sha string) error
	// CommitsSince lists the commits head has and base has not, oldest
	// first.
	CommitsSince(ctx context.Context, repo Repo, base, head string) ([]Commit, error)
}

// PullWriter finds, opens and changes the pull requests the server proposes.
type PullWriter interface {
	// PullsFrom lists the pull requests from a branch of the repository
	// itself, open and closed, newest first.
	PullsFrom(ctx context.Context, repo Repo, branch string) ([]Pull, error)
	// OpenPulls lists every open pull request, newest first.
	OpenPulls(ctx context.Context, repo Repo) ([]Pull, error)
	CreatePull(ctx context.Context, repo Repo, pull NewPull) (number int, err error)
	EditPull(ctx context.Context, repo Repo, number int, edit PullEdit) error
	// AddLabels labels a pull request, creating labels that do not exist.
	AddLabels(ctx context.Context, repo Repo, number int, labels []string) error
	// CreateIssueComment adds a comment to the pull request's conversation.
	CreateIssueComment(ctx context.Context, repo Repo, number int, body string) (int64, error)
}
