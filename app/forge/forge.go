// Package forge holds the neutral models of pull requests, checks and
// comments, and the small interfaces the review and bump flows need from a
// forge. forge/github and forge/gitlab implement them.
package forge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/composeguard/composeguard/app/compose"
)

// Kind names a forge.
type Kind string

const (
	GitHub Kind = "github"
	GitLab Kind = "gitlab"
)

// Repo identifies a repository on a forge.
type Repo struct {
	Forge Kind
	// Owner is the account or group the repository belongs to; on GitLab a
	// group path, which may hold slashes (group/subgroup).
	Owner string
	Name  string
	// CredentialsKey tells the forge's implementation which of the server's
	// credentials act on the repository, in its own terms (on GitHub, the
	// App installation's id); empty when the server has only one. It is a
	// key, never a secret, and nothing else reads it.
	CredentialsKey string
}

func (r Repo) String() string { return r.Owner + "/" + r.Name }

// PullRequest is the state of a pull request.
type PullRequest struct {
	Repo    Repo
	Number  int
	Title   string
	HeadSHA string
	BaseSHA string // the merge base side: the base branch commit the PR is compared with
	BaseRef string
	// DefaultBranch is the repository's default branch, "" when the
	// forge does not say with the pull request (GitLab: the event's
	// ReviewRequest.DefaultBranch says it).
	DefaultBranch string
	Draft         bool
	FromFork      bool
	Open          bool
	// ChangedFiles is how many files the forge says the pull request
	// changes, which may be more than it lists (GitHub lists 3,000); 0
	// when it does not say.
	ChangedFiles int
}

// ReviewRequest asks for the review of one pull request head. It is what a
// webhook turns into and what the review job carries.
// A job is unique by Repo, Number and HeadSHA alone (River's unique tag):
// a burst of deliveries for one head reviews it once, whatever else they
// carry.
type ReviewRequest struct {
	Repo    Repo   `json:"repo" river:"unique"`
	Number  int    `json:"number" river:"unique"`
	HeadSHA string `json:"head_sha" river:"unique"`
	// Pull is the pull request as the webhook described it at HeadSHA, so
	// the review need not read it again; nil when the event carried none
	// (a re-run button).
	Pull *PullRequest `json:"pull,omitempty"`
	// DefaultBranch is the repository's default branch as an event
	// without a pull request named it (GitLab's merge request event), for
	// the pull request the review reads; "" when it named none.
	DefaultBranch string `json:"default_branch,omitempty"`
	// Opened says the event opened the pull request: nothing was posted on
	// it before, so a review need not look.
	Opened bool `json:"opened,omitempty"`
	// Job is the queued job reviewing the request, set by the queue on
	// each attempt (0 outside a job): an attempt finds the check run an
	// earlier one completed before the process died, and keeps it. Not
	// part of the request: never stored with it, nor compared for
	// uniqueness.
	Job int64 `json:"-"`
}

// ChangedFile is a file a pull request changes. The list of them gives the
// lines a review comment may be placed on; which files changed is told by
// comparing the commits' snapshots, which no forge cuts short silently.
type ChangedFile struct {
	Path         string
	PreviousPath string // for renames
	Status       string // added, modified, removed, renamed
	// Lines are the new-side lines inside the diff's hunks: the only lines
	// a review comment may be placed on. Added are those the PR adds.
	Lines map[int]bool
	Added map[int]bool
}

// Comment is a review comment (Path and Line set) or an issue comment.
type Comment struct {
	ID        int64
	Path      string
	Line      int
	Body      string
	Author    string
	InReplyTo int64 // the thread's first comment, 0 for the first itself
	// Outdated is true when the comment's line is no longer in the diff.
	Outdated bool
}

// InlineComment is a new review comment on the head commit's lines
// StartLine..Line of Path; StartLine is 0 for a comment on Line alone. A
// suggestion in Body replaces the whole range.
type InlineComment struct {
	Path      string
	StartLine int
	Line      int
	Body      string
}

// Review is one review with all its inline comments, posted at once.
type Review struct {
	CommitSHA string
	Body      string
	Comments  []InlineComment
}

// Annotation is a check run annotation on a line.
type Annotation struct {
	Path      string
	StartLine int
	EndLine   int
	Level     string // notice, warning or failure
	Title     string
	Message   string
}

// CheckName names composeguard's check run (a commit status where check
// runs are refused): what a repository requires before merging, and how the
// server tells its own runs from other apps'.
const CheckName = "composeguard"

// Check run states and conclusions.
const (
	StatusInProgress  = "in_progress"
	StatusCompleted   = "completed"
	ConclusionSuccess = "success"
	ConclusionFailure = "failure"
	ConclusionNeutral = "neutral"
	// ConclusionCancelled ends a run whose head moved on.
	ConclusionCancelled = "cancelled"
)

// CheckRun is the status a forge shows on a commit; on GitHub a check run.
type CheckRun struct {
	ID         int64 // set on runs read back from the forge
	Name       string
	HeadSHA    string
	Status     string
	Conclusion string // set when Status is completed
	Title      string
	Summary    string
	Text       string
	ExternalID string
	// Number is the pull request the run reviews: a forge that shows a
	// status as a link (GitLab's target URL) links it there unless
	// DetailsURL, the run's report page, is set.
	Number      int
	DetailsURL  string
	Annotations []Annotation
}

// PullRequests reads pull requests.
type PullRequests interface {
	PullRequest(ctx context.Context, repo Repo, number int) (PullRequest, error)
	// ChangedFiles lists every file the pull request changes, all pages.
	ChangedFiles(ctx context.Context, repo Repo, number int) ([]ChangedFile, error)
	// OpenPullRequestsAt lists the open pull requests whose head is sha:
	// a commit can be the head of several, into bases whose policies
	// differ, and its check must carry the strictest verdict.
	OpenPullRequestsAt(ctx context.Context, repo Repo, sha string) ([]PullRequest, error)
}

// Contents reads a repository at a commit.
type Contents interface {
	// Snapshot lists the commit's files and fetches each one only when
	// read, with ctx, caching contents by blob so base and head share them.
	Snapshot(ctx context.Context, repo Repo, sha string) (Snapshot, error)
}

// Snapshot is a commit's files as the forge lists them.
type Snapshot interface {
	compose.Snapshot
	// Blob names the content of path (its git blob id), "" when the
	// listing has no such file: two paths with one blob hold the same
	// bytes, so comparing two commits' blobs tells which files changed.
	Blob(path string) string
	// Truncated reports that the forge listed only part of the commit's
	// files: which of the others exist or changed cannot be told.
	Truncated() bool
}

// SnapshotErr is the first failed read of a forge's snapshot, nil when
// every read succeeded or snap is not a forge's: what was computed from a
// snapshot that lost files must not be acted on.
func SnapshotErr(snap compose.Snapshot) error {
	if s, ok := snap.(interface{ Err() error }); ok {
		return s.Err()
	}
	return nil
}

// Checks publishes the check run that can gate merging.
type Checks interface {
	CreateCheckRun(ctx context.Context, repo Repo, run CheckRun) (id int64, err error)
	// UpdateCheckRun may be called with any number of annotations; the
	// implementation sends them in the batches the forge allows. run must
	// carry its Name and HeadSHA: where check runs are refused (a personal
	// token on GitHub) the run is a commit status, found by those.
	UpdateCheckRun(ctx context.Context, repo Repo, id int64, run CheckRun) error
	// CheckRuns lists the runs named name at headSHA that this client may
	// update (with a GitHub App, those the App created), all pages, without
	// their annotations. A run left in progress by a process that died is
	// found here after the restart.
	CheckRuns(ctx context.Context, repo Repo, headSHA, name string) ([]CheckRun, error)
}

// Reviews publishes inline review comments.
type Reviews interface {
	ReviewComments(ctx context.Context, repo Repo, number int) ([]Comment, error)
	CreateReview(ctx context.Context, repo Repo, number int, review Review) error
}

// Thread is a review thread, known by its first comment.
type Thread struct {
	ID           string // the forge's id, to resolve it
	FirstComment int64  // the id ReviewComments gives its first comment
	// Author wrote the first comment, spelled as ReviewComments spells it;
	// Body is its text, Path and Line where it sits.
	Author, Body string
	Path         string
	Line         int
	Resolved     bool
}

// ThreadResolver resolves review threads without a reply, so nobody is
// notified. It is optional: a review finds it by type assertion, and says
// in its summary what was fixed where the forge lacks it.
type ThreadResolver interface {
	// ReviewThreads lists the pull request's review threads, all pages.
	ReviewThreads(ctx context.Context, repo Repo, number int) ([]Thread, error)
	ResolveThread(ctx context.Context, repo Repo, threadID string) error
}

// Links builds addresses of a forge's web pages.
type Links interface {
	// FileURL is the address of line (0 for none) of path at commit sha.
	FileURL(repo Repo, sha, path string, line int) string
}

// Identity is the account the server acts as on a forge: the author of
// every comment and commit it writes, and so the only author whose hidden
// markers it believes. A comment's Author is spelled as Login spells it.
type Identity interface {
	// Login is the account's name, such as composeguard[bot].
	Login(ctx context.Context) (string, error)
}

// Summaries keeps the one summary comment of a pull request.
type Summaries interface {
	IssueComments(ctx context.Context, repo Repo, number int) ([]Comment, error)
	CreateIssueComment(ctx context.Context, repo Repo, number int, body string) (int64, error)
	// EditIssueComment replaces the body of a comment of pull request
	// number (GitLab knows a note only within its merge request).
	EditIssueComment(ctx context.Context, repo Repo, number int, commentID int64, body string) error
}

// RetryableError is a failure worth retrying later: a 5xx, a timeout or a
// rate limit. After says when, zero when the forge gave no hint.
type RetryableError struct {
	After time.Duration
	Err   error
}

func (e *RetryableError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
	}
	return e.Err.Error()
}

func (e *RetryableError) Unwrap() error { return e.Err }

// ErrNotFound is returned for a missing pull request, file or comment.
var ErrNotFound = errors.New("not found")

// ErrUnprocessable is GitHub's 422: for a review, a comment outside the diff.
var ErrUnprocessable = errors.New("unprocessable")

// PlacementError is CreateReview's answer when the forge posted the review
// but refused to place some of its comments on their lines: GitLab places
// each comment alone. It is an ErrUnprocessable.
type PlacementError struct {
	// Refused are the indexes in Review.Comments of the comments not posted.
	Refused []int
}

func (e *PlacementError) Error() string {
	return fmt.Sprintf("%d review comments could not be placed on their lines", len(e.Refused))
}

func (e *PlacementError) Unwrap() error { return ErrUnprocessable }
