package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/composeguard/composeguard/app/forge"
)

// Store keeps what reviews posted on each pull request (the summary
// comment, the fingerprints of each inline comment, the check run each job
// completed) and the head each pull request event named, so that a review
// reads the forge only when the store cannot tell. A record is written
// only after the forge accepted the write; before a write that creates
// something, Writing puts the pull request in doubt until Wrote, so a
// crash between the two makes the next review list what the forge holds
// rather than post it again.
type Store interface {
	// Posted is the record of req's pull request, with the check run req's
	// job completed.
	Posted(ctx context.Context, req forge.ReviewRequest) (forge.Posted, error)
	// Writing puts req's pull request in doubt until req's job calls Wrote.
	Writing(ctx context.Context, req forge.ReviewRequest) error
	// Wrote adds what a write posted to the record (a summary replaces the
	// one recorded, comments are added or marked settled, a run is req's
	// job's) and ends the doubt req's job began.
	Wrote(ctx context.Context, req forge.ReviewRequest, p forge.Posted) error
	// Listed adds what the forge listed to the record, as Wrote does, and
	// ends the doubts that listing covers: those of req's job's earlier
	// attempts and of attempts that cannot be running any more.
	Listed(ctx context.Context, req forge.ReviewRequest, p forge.Posted) error
	// Head is the head the latest event of the pull request named, ""
	// when none is known.
	Head(ctx context.Context, repo forge.Repo, number int) (string, error)
	// OthersAt lists the other pull requests whose latest event named
	// head; known is false when the store cannot tell.
	OthersAt(ctx context.Context, repo forge.Repo, number int, head string) (others []int, known bool, err error)
}

// digest names a summary body, to tell whether it changed.
func digest(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:16])
}

// forgetful is the store of a review given none: it never knows, so every
// review lists what the forge holds.
type forgetful struct{}

func (forgetful) Posted(context.Context, forge.ReviewRequest) (forge.Posted, error) {
	return forge.Posted{InDoubt: true}, nil
}
func (forgetful) Writing(context.Context, forge.ReviewRequest) error              { return nil }
func (forgetful) Wrote(context.Context, forge.ReviewRequest, forge.Posted) error  { return nil }
func (forgetful) Listed(context.Context, forge.ReviewRequest, forge.Posted) error { return nil }
func (forgetful) Head(context.Context, forge.Repo, int) (string, error)           { return "", nil }
func (forgetful) OthersAt(context.Context, forge.Repo, int, string) ([]int, bool, error) {
	return nil, false, nil
}

// posted is what a review goes by of what is on the forge: the store's
// record, or what listing the forge found when the store cannot tell.
type posted struct {
	forge.Posted
	// listed is true when the forge was listed: comments are then
	// composeguard's own review comments, and open its runs of the
	// request still in progress.
	listed   bool
	comments []forge.Comment
	open     []int64
}

func (r *PullRequestReview) store() Store {
	if r.Store == nil {
		return forgetful{}
	}
	return r.Store
}

// posted reads the store's record of req's pull request, and lists the
// forge instead when it may miss something: nothing recorded (a pull
// request reviewed before the store, unless req opened it) or a write in
// doubt.
func (r *PullRequestReview) posted(ctx context.Context, req forge.ReviewRequest) (*posted, error) {
	p, err := r.store().Posted(ctx, req)
	if err != nil {
		return nil, err
	}
	if trusted(p, req) {
		return &posted{Posted: p}, nil
	}
	return r.list(ctx, req)
}

// reread reads what is posted again, keeping the runs left in progress an
// earlier listing found.
func (r *PullRequestReview) reread(ctx context.Context, req forge.ReviewRequest, done *posted) (*posted, error) {
	fresh, err := r.posted(ctx, req)
	if err != nil || fresh.listed {
		return fresh, err
	}
	fresh.open = done.open
	return fresh, nil
}

// trusted reports whether the record of req's pull request tells all that
// is posted on it.
func trusted(p forge.Posted, req forge.ReviewRequest) bool {
	return !p.InDoubt && (p.Recorded || req.Opened)
}

// list reads what composeguard posted on req's pull request from the
// forge, and records it.
func (r *PullRequestReview) list(ctx context.Context, req forge.ReviewRequest) (*posted, error) {
	runs, err := r.requestRuns(ctx, req)
	if err != nil {
		return nil, err
	}
	login, err := r.Forge.Login(ctx)
	if err != nil {
		return nil, err
	}
	comments, err := r.Forge.ReviewComments(ctx, req.Repo, req.Number)
	if err != nil {
		return nil, err
	}
	summary, err := r.findSummary(ctx, req, login)
	if err != nil {
		return nil, err
	}
	p := &posted{listed: true, comments: own(comments, login), open: inProgress(runs)}
	p.Recorded = true
	if summary != nil {
		p.SummaryID, p.SummaryDigest = summary.ID, digest(summary.Body)
	}
	if id, ok := completedByJob(runs, req); ok {
		p.Run = id
	}
	for _, c := range p.comments {
		if fps := markedFingerprints(c.Body); len(fps) > 0 {
			p.Comments = append(p.Comments, forge.PostedComment{Fingerprints: fps})
		}
	}
	return p, r.store().Listed(ctx, req, p.Posted)
}

// findSummary lists the conversation for composeguard's summary; nil when
// there is none.
func (r *PullRequestReview) findSummary(ctx context.Context, req forge.ReviewRequest, login string) (*forge.Comment, error) {
	comments, err := r.Forge.IssueComments(ctx, req.Repo, req.Number)
	if err != nil {
		return nil, err
	}
	for _, c := range own(comments, login) {
		if isSummary(c.Body) {
			return &c, nil
		}
	}
	return nil, nil
}

// creating sends a write that creates something on the forge, the pull
// request in doubt meanwhile, and records what it posted once accepted. A
// write that fails leaves the doubt: it may have landed.
func (r *PullRequestReview) creating(ctx context.Context, req forge.ReviewRequest, write func() (forge.Posted, error)) error {
	if err := r.store().Writing(ctx, req); err != nil {
		return err
	}
	p, err := write()
	if err != nil {
		return err
	}
	return r.store().Wrote(ctx, req, p)
}

// createRun creates req's completed run and records it as its job's.
func (r *PullRequestReview) createRun(ctx context.Context, req forge.ReviewRequest, run forge.CheckRun) (id int64, err error) {
	err = r.creating(ctx, req, func() (forge.Posted, error) {
		id, err = r.Forge.CreateCheckRun(ctx, req.Repo, run)
		return forge.Posted{Run: id}, err
	})
	return id, err
}
