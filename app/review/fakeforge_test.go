package review_test

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/review"
)

var (
	_ review.Forge         = (*fakeForge)(nil)
	_ forge.ThreadResolver = (*fakeForge)(nil)
)

// fakeForge is an in-memory forge holding one pull request. It records every
// call, computes the diff from the commits' contents, and answers a review
// with a comment outside the diff as GitHub does: unprocessable.
type fakeForge struct {
	mu      sync.Mutex
	commits map[string]compose.MapSnapshot
	pr      forge.PullRequest
	// After this many reads of the pull request, its head becomes movedTo.
	moveAfter int
	movedTo   string
	reads     int
	// failOnce makes the named method fail once with the error.
	failOnce map[string]error
	// readErr, when set, fails every file read, as a forge timing out.
	readErr error
	// onRead, when set, is called on every file read with the number of
	// reads so far.
	onRead    func(n int64)
	fileReads atomic.Int64
	// renames maps a head path to the base path it was renamed from.
	renames map[string]string
	// truncated are the commits whose listing the forge cuts short.
	truncated map[string]bool
	// others are the repository's other pull requests.
	others []forge.PullRequest
	// noThreads makes listing review threads fail, as a token that may not
	// use GitHub's GraphQL API.
	noThreads bool
	resolved  map[int64]bool // threads resolved, by first comment
	// refuseLines are head lines the forge will not place a comment on
	// although they are in the diff; it posts the review's other comments,
	// as GitLab does, and answers forge.PlacementError.
	refuseLines map[int]bool

	calls          []string
	checkRuns      []*forge.CheckRun // index = id - 1
	reviews        []forge.Review
	reviewComments []forge.Comment
	issueComments  []forge.Comment
	lastID         int64
}

const (
	baseSHA = "b45e000000000000000000000000000000000000"
	headSHA = "4ead111111111111111111111111111111111111"
)

var repo = forge.Repo{Owner: "acme", Name: "stack"}

// botLogin is the account the fake says composeguard writes as.
const botLogin = "composeguard[bot]"

func newFake(base, head map[string]string) *fakeForge {
	f := &fakeForge{commits: map[string]compose.MapSnapshot{}, failOnce: map[string]error{}, resolved: map[int64]bool{},
		pr: forge.PullRequest{Repo: repo, Number: 7, BaseSHA: baseSHA, HeadSHA: headSHA, Open: true}}
	f.commit(baseSHA, base)
	f.commit(headSHA, head)
	return f
}

func (f *fakeForge) commit(sha string, files map[string]string) {
	snap := compose.MapSnapshot{}
	for p, c := range files {
		snap[p] = []byte(c)
	}
	f.commits[sha] = snap
}

// push makes files the pull request's new head.
func (f *fakeForge) push(sha string, files map[string]string) {
	f.commit(sha, files)
	f.pr.HeadSHA = sha
}

func (f *fakeForge) call(name string) error {
	f.calls = append(f.calls, name)
	if err := f.failOnce[name]; err != nil {
		delete(f.failOnce, name)
		return err
	}
	return nil
}

func (f *fakeForge) PullRequest(_ context.Context, _ forge.Repo, _ int) (forge.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("PullRequest"); err != nil {
		return forge.PullRequest{}, err
	}
	f.reads++
	if f.moveAfter > 0 && f.reads > f.moveAfter {
		f.pr.HeadSHA = f.movedTo
	}
	pr := f.pr
	pr.ChangedFiles = len(f.changed())
	return pr, nil
}

func (f *fakeForge) OpenPullRequestsAt(_ context.Context, _ forge.Repo, sha string) ([]forge.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("OpenPullRequestsAt"); err != nil {
		return nil, err
	}
	var out []forge.PullRequest
	for _, pr := range append([]forge.PullRequest{f.pr}, f.others...) {
		if pr.Open && pr.HeadSHA == sha {
			out = append(out, pr)
		}
	}
	return out, nil
}

func (f *fakeForge) ChangedFiles(_ context.Context, _ forge.Repo, _ int) ([]forge.ChangedFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ChangedFiles"); err != nil {
		return nil, err
	}
	// GitHub lists 3,000 files of a pull request at most.
	all := f.changed()
	return all[:min(len(all), maxListedFiles)], nil
}

func (f *fakeForge) changed() []forge.ChangedFile {
	base, head := f.commits[f.pr.BaseSHA], f.commits[f.pr.HeadSHA]
	paths := map[string]bool{}
	for p := range base {
		paths[p] = true
	}
	for p := range head {
		paths[p] = true
	}
	for to, from := range f.renames {
		delete(paths, from)
		paths[to] = true
	}
	var out []forge.ChangedFile
	for p := range paths {
		from, renamed := f.renames[p]
		if !renamed {
			from = p
		}
		b, inBase := base[from]
		h, inHead := head[p]
		status := "modified"
		switch {
		case renamed:
			status = "renamed"
		case !inBase:
			status = "added"
		case !inHead:
			status = "removed"
		case string(b) == string(h):
			continue
		}
		lines, added := lineDiff(string(b), string(h))
		out = append(out, forge.ChangedFile{Path: p, PreviousPath: f.renames[p], Status: status, Lines: lines, Added: added})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// maxListedFiles is the most files GitHub lists for a pull request
// (https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files).
const maxListedFiles = 3000

func (f *fakeForge) Snapshot(_ context.Context, _ forge.Repo, sha string) (forge.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("Snapshot"); err != nil {
		return nil, err
	}
	snap, ok := f.commits[sha]
	if !ok {
		return nil, forge.ErrNotFound
	}
	l := listing{snap, f.truncated[sha]}
	if f.readErr != nil {
		return unreadable{l, f.readErr}, nil
	}
	return counted{l, f}, nil
}

// counted counts the reads of a listing.
type counted struct {
	listing
	f *fakeForge
}

func (c counted) ReadFile(p string) ([]byte, error) {
	n := c.f.fileReads.Add(1)
	if c.f.onRead != nil {
		c.f.onRead(n)
	}
	return c.listing.ReadFile(p)
}

// listing is a commit as the fake lists it, each file's blob a hash of
// its content as git's; truncated, as GitHub cuts a large tree.
type listing struct {
	compose.MapSnapshot
	truncated bool
}

func (l listing) Blob(p string) string {
	b, ok := l.MapSnapshot[p]
	if !ok {
		return ""
	}
	return fmt.Sprintf("%x", sha1.Sum(b))
}

func (l listing) Truncated() bool { return l.truncated }

type unreadable struct {
	listing
	err error
}

func (u unreadable) ReadFile(string) ([]byte, error) { return nil, u.err }

func (f *fakeForge) CreateCheckRun(_ context.Context, _ forge.Repo, run forge.CheckRun) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateCheckRun"); err != nil {
		return 0, err
	}
	run.ID = int64(len(f.checkRuns) + 1)
	f.checkRuns = append(f.checkRuns, &run)
	return run.ID, nil
}

func (f *fakeForge) CheckRuns(_ context.Context, _ forge.Repo, headSHA, name string) ([]forge.CheckRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CheckRuns"); err != nil {
		return nil, err
	}
	var out []forge.CheckRun
	for _, r := range f.checkRuns {
		if r.HeadSHA == headSHA && r.Name == name {
			out = append(out, *r)
		}
	}
	return out, nil
}

func (f *fakeForge) UpdateCheckRun(_ context.Context, _ forge.Repo, id int64, run forge.CheckRun) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("UpdateCheckRun"); err != nil {
		return err
	}
	if id < 1 || int(id) > len(f.checkRuns) {
		return forge.ErrNotFound
	}
	// Annotations add up over updates, as on GitHub.
	run.ID, run.Annotations = id, append(f.checkRuns[id-1].Annotations, run.Annotations...)
	*f.checkRuns[id-1] = run
	return nil
}

func (f *fakeForge) ReviewComments(_ context.Context, _ forge.Repo, _ int) ([]forge.Comment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ReviewComments"); err != nil {
		return nil, err
	}
	return append([]forge.Comment(nil), f.reviewComments...), nil
}

func (f *fakeForge) CreateReview(_ context.Context, _ forge.Repo, _ int, r forge.Review) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateReview"); err != nil {
		return err
	}
	files := map[string]forge.ChangedFile{}
	for _, c := range f.changed() {
		files[c.Path] = c
	}
	for _, c := range r.Comments {
		start := c.Line
		if c.StartLine != 0 {
			start = c.StartLine
		}
		if start > c.Line {
			return fmt.Errorf("%s:%d: start_line must precede line: %w", c.Path, c.Line, forge.ErrUnprocessable)
		}
		for l := start; l <= c.Line; l++ {
			if !files[c.Path].Lines[l] {
				return fmt.Errorf("%s:%d: pull request review thread line must be part of the diff: %w", c.Path, l, forge.ErrUnprocessable)
			}
		}
	}
	f.reviews = append(f.reviews, r)
	var refused []int
	for i, c := range r.Comments {
		if f.refuseLines[c.Line] || f.refuseLines[c.StartLine] {
			refused = append(refused, i)
			continue
		}
		f.reviewComments = append(f.reviewComments, forge.Comment{ID: f.newID(), Path: c.Path, Line: c.Line, Body: c.Body, Author: botLogin})
	}
	if len(refused) > 0 {
		return &forge.PlacementError{Refused: refused}
	}
	return nil
}

// FileURL links to a file as GitHub does, each segment of its path
// escaped.
func (f *fakeForge) FileURL(repo forge.Repo, sha, path string, line int) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	return fmt.Sprintf("https://forge.test/%s/blob/%s/%s#L%d", repo, sha, strings.Join(segments, "/"), line)
}

// ReviewThreads lists a thread per first comment, as GitHub's GraphQL API.
func (f *fakeForge) ReviewThreads(_ context.Context, _ forge.Repo, _ int) ([]forge.Thread, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ReviewThreads"); err != nil {
		return nil, err
	}
	if f.noThreads {
		return nil, errors.New("Resource not accessible by integration")
	}
	var out []forge.Thread
	for _, c := range f.reviewComments {
		if c.InReplyTo == 0 {
			out = append(out, forge.Thread{ID: fmt.Sprintf("PRRT_%d", c.ID), FirstComment: c.ID, Author: c.Author, Body: c.Body,
				Path: c.Path, Line: c.Line, Resolved: f.resolved[c.ID]})
		}
	}
	return out, nil
}

func (f *fakeForge) ResolveThread(_ context.Context, _ forge.Repo, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ResolveThread"); err != nil {
		return err
	}
	var first int64
	if _, err := fmt.Sscanf(id, "PRRT_%d", &first); err != nil {
		return forge.ErrNotFound
	}
	f.resolved[first] = true
	return nil
}

func (f *fakeForge) IssueComments(_ context.Context, _ forge.Repo, _ int) ([]forge.Comment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("IssueComments"); err != nil {
		return nil, err
	}
	return append([]forge.Comment(nil), f.issueComments...), nil
}

func (f *fakeForge) CreateIssueComment(_ context.Context, _ forge.Repo, _ int, body string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateIssueComment"); err != nil {
		return 0, err
	}
	id := f.newID()
	f.issueComments = append(f.issueComments, forge.Comment{ID: id, Body: body, Author: botLogin})
	return id, nil
}

func (f *fakeForge) EditIssueComment(_ context.Context, _ forge.Repo, _ int, commentID int64, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("EditIssueComment"); err != nil {
		return err
	}
	for i := range f.issueComments {
		if f.issueComments[i].ID == commentID {
			f.issueComments[i].Body = body
			return nil
		}
	}
	return forge.ErrNotFound
}

// Login is who the fake's own writes are by.
func (f *fakeForge) Login(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return botLogin, f.call("Login")
}

func (f *fakeForge) newID() int64 {
	f.lastID++
	return f.lastID
}

// count tells how often a method was called.
func (f *fakeForge) count(name string) int {
	n := 0
	for _, c := range f.calls {
		if c == name {
			n++
		}
	}
	return n
}

// posted is every text the fake received for others to read.
func (f *fakeForge) posted() string {
	var b strings.Builder
	for _, r := range f.checkRuns {
		fmt.Fprintln(&b, r.Title, r.Summary, r.Text, r.ExternalID)
		for _, a := range r.Annotations {
			fmt.Fprintln(&b, a.Title, a.Message)
		}
	}
	for _, r := range f.reviews {
		fmt.Fprintln(&b, r.Body)
	}
	for _, c := range append(f.reviewComments, f.issueComments...) {
		fmt.Fprintln(&b, c.Body)
	}
	return b.String()
}

// lineDiff is a small LCS line diff: the head lines a change adds, and those
// inside its hunks (three lines of context around each change, as git).
func lineDiff(base, head string) (lines, added map[int]bool) {
	a, b := splitLines(base), splitLines(head)
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	added, lines = map[int]bool{}, map[int]bool{}
	context := func(from, to int) { // git's three lines around a change
		for l := max(from, 1); l <= min(to, len(b)); l++ {
			lines[l] = true
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			added[j+1] = true
			context(j+1-3, j+1+3)
			j++
		default: // a deletion, between head lines j and j+1
			context(j-2, j+3)
			i++
		}
	}
	return lines, added
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
