// Package githubtest is an in-process fake of the GitHub REST API on
// httptest, for the operations composeguard uses. It behaves like GitHub
// where a client can get it wrong: App JWT and installation-token auth,
// pagination with Link headers, diffs computed from real contents, 422 for a
// review comment outside the diff, the 50-annotation limit, check runs
// written only by Apps, each installation's primary rate limit with its
// headers, ETags per token and free 304s (ratelimit.go), rate limits and
// server errors on demand. A test
// seeds repositories, commits and pull requests, then inspects what the
// client posted and every request it made.
package githubtest

import (
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Logins of the callers, by credential.
const (
	AppLogin   = "composeguard[bot]"   // installation tokens
	TokenLogin = "github-actions[bot]" // tokens allowed with AllowToken
)

// Fake is a GitHub API server with its state.
type Fake struct {
	// URL is the API root. The API also answers under URL+"/api/v3", as a
	// GitHub Enterprise Server does.
	URL string

	mux *http.ServeMux

	mu         sync.Mutex
	app        app
	grants     map[string]grant // token → what it may do
	issued     map[int64]int    // installation → tokens issued
	repos      map[string]*Repo // by lower-case "owner/name"
	lastID     int64
	latency    time.Duration
	patchLimit int
	treeLimit  int
	faults     []*fault
	quotas     map[string]*quota // primary rate limits, by credential (ratelimit.go)
	// tokenLifetime overrides GitHub's hour (SetTokenLifetime).
	tokenLifetime time.Duration
	log           []Request
	// denyResolve refuses resolveReviewThread (DenyThreadResolution).
	denyResolve bool
	// missBotCreators: the issue listing's creator filter misses bots.
	missBotCreators bool
	// manifests are the App manifests confirmed on GitHub's page and not
	// yet converted, by their code (manifests.go).
	manifests map[string]string
	converted []ManifestApp
}

// New starts a fake GitHub, closed when the test ends.
func New(t testing.TB) *Fake {
	f := &Fake{
		grants:     map[string]grant{},
		issued:     map[int64]int{},
		quotas:     map[string]*quota{},
		repos:      map[string]*Repo{},
		manifests:  map[string]string{},
		lastID:     1000,
		patchLimit: defaultPatchLimit,
		treeLimit:  defaultTreeLimit,
	}
	f.mux = f.routes()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *Fake) id() int64 {
	f.lastID++
	return f.lastID
}

// Repo is a repository of the fake. Its methods are safe while the server
// runs.
type Repo struct {
	f            *Fake
	id           int64
	owner, name  string
	installation int64
	commits      map[string]*commit
	blobs        map[string][]byte // by git blob SHA
	pulls        map[int]*Pull
	diffs        map[[2]string][]changedFile // by base and head
	checkRuns    []*CheckRun
	statuses     []*CommitStatus
	reviews      []*Review
	notes        []*ReviewComment
	resolved     map[int64]bool // review threads resolved, by first comment
	comments     []*IssueComment
	git          gitState // branches, history and pull request details (refs.go)
}

// AddRepo creates owner/name, reachable with tokens of installation (0: only
// with tokens allowed by AllowToken).
func (f *Fake) AddRepo(owner, name string, installation int64) *Repo {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &Repo{f: f, id: f.id(), owner: owner, name: name, installation: installation,
		commits: map[string]*commit{}, blobs: map[string][]byte{}, pulls: map[int]*Pull{}, resolved: map[int64]bool{}}
	f.repos[strings.ToLower(owner+"/"+name)] = r
	return r
}

// File modes of a commit's entries, as git writes them.
const (
	ModeFile       = "100644"
	ModeExecutable = "100755"
	ModeSymlink    = "120000"
	ModeSubmodule  = "160000"
)

// Entry is one path of a commit.
type Entry struct {
	Mode    string // ModeFile when empty
	Content string // a file's content or a symbolic link's target
	Commit  string // a submodule's commit
}

type commit struct {
	sha     string
	entries map[string]treeEntry
}

type treeEntry struct {
	mode, kind, sha string // kind: blob or commit
	size            int
}

// Commit records a commit of regular files, path → content, and returns its
// SHA.
func (r *Repo) Commit(files map[string]string) string {
	entries := make(map[string]Entry, len(files))
	for p, content := range files {
		entries[p] = Entry{Content: content}
	}
	return r.CommitEntries(entries)
}

// CommitEntries records a commit that may hold symbolic links, submodules
// and executables, and returns its SHA.
func (r *Repo) CommitEntries(entries map[string]Entry) string {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	c := &commit{entries: map[string]treeEntry{}}
	h := sha1.New()
	fmt.Fprintf(h, "commit %d of %s/%s\n", len(r.commits), r.owner, r.name)
	paths := make([]string, 0, len(entries))
	for p := range entries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		e := entries[p]
		te := treeEntry{mode: e.Mode, kind: "blob"}
		switch e.Mode {
		case ModeSubmodule:
			te.kind, te.sha = "commit", e.Commit
		case "":
			te.mode = ModeFile
			fallthrough
		default:
			te.sha, te.size = blobSHA(e.Content), len(e.Content)
			r.blobs[te.sha] = []byte(e.Content)
		}
		c.entries[p] = te
		fmt.Fprintf(h, "%s %s %s\n", te.mode, te.sha, p)
	}
	c.sha = hex.EncodeToString(h.Sum(nil))
	r.commits[c.sha] = c
	return c.sha
}

// blobSHA is git's name for content: identical files share one blob.
func blobSHA(content string) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00%s", len(content), content)
	return hex.EncodeToString(h.Sum(nil))
}

// Pull is a pull request.
type Pull struct {
	Number     int
	Title      string
	Base, Head string // commit SHAs
	BaseRef    string // "main" when empty
	HeadRef    string // "feature" when empty
	Draft      bool
	Fork       bool // the head is in a fork owned by someone else
	Closed     bool
}

// AddPull opens a pull request between two commits of the repository.
func (r *Repo) AddPull(p Pull) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	p.BaseRef, p.HeadRef = cmp.Or(p.BaseRef, "main"), cmp.Or(p.HeadRef, "feature")
	r.pulls[p.Number] = &p
}

// Push moves a pull request's head to another commit.
func (r *Repo) Push(number int, head string) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.pulls[number].Head = head
}

// CheckRun is a check run as the client left it.
type CheckRun struct {
	ID                                int64
	Name, HeadSHA, Status, Conclusion string
	ExternalID, Title, Summary, Text  string
	DetailsURL                        string
	Annotations                       []Annotation
	Updates                           int   // PATCH requests received
	AppID                             int64 // the App that created it; 0 for a plain token
}

// Annotation is a check run annotation.
type Annotation struct {
	Path               string
	StartLine, EndLine int
	Level              string
	Title, Message     string
}

// Review is a submitted review.
type Review struct {
	ID                 int64
	Number             int
	CommitID, Body     string
	Event, State, User string
	CommentIDs         []int64
}

// ReviewComment is an inline review comment or a reply in its thread.
type ReviewComment struct {
	ID, ReviewID, InReplyTo int64
	Number                  int
	Path                    string
	StartLine               int // the first line of a multi-line comment, 0 for one line
	Line                    int
	Side                    string
	CommitID                string
	Body, User              string
}

// IssueComment is a comment in a pull request's conversation.
type IssueComment struct {
	ID         int64
	Number     int
	Body, User string
	Edits      int
}

// CheckRuns returns every check run of the repository, oldest first.
func (r *Repo) CheckRuns() []CheckRun {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	out := make([]CheckRun, len(r.checkRuns))
	for i, cr := range r.checkRuns {
		out[i] = *cr
		out[i].Annotations = slices.Clone(cr.Annotations)
	}
	return out
}

// Reviews returns the reviews of a pull request.
func (r *Repo) Reviews(number int) []Review {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	var out []Review
	for _, rv := range r.reviews {
		if rv.Number == number {
			c := *rv
			c.CommentIDs = slices.Clone(rv.CommentIDs)
			out = append(out, c)
		}
	}
	return out
}

// ReviewComments returns a pull request's review comments, replies included.
func (r *Repo) ReviewComments(number int) []ReviewComment {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return copyOf(r.notes, number, func(c *ReviewComment) int { return c.Number })
}

// IssueComments returns the comments of a pull request's conversation.
func (r *Repo) IssueComments(number int) []IssueComment {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return copyOf(r.comments, number, func(c *IssueComment) int { return c.Number })
}

func copyOf[T any](all []*T, number int, of func(*T) int) []T {
	var out []T
	for _, c := range all {
		if of(c) == number {
			out = append(out, *c)
		}
	}
	return out
}

// AddIssueComment seeds a conversation comment, as a person would write it.
func (r *Repo) AddIssueComment(number int, user, body string) int64 {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	c := &IssueComment{ID: r.f.id(), Number: number, User: user, Body: body}
	r.comments = append(r.comments, c)
	return c.ID
}

// AddReply seeds a person's reply in a review comment's thread.
func (r *Repo) AddReply(number int, inReplyTo int64, user, body string) int64 {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.reply(number, inReplyTo, user, body).ID
}
