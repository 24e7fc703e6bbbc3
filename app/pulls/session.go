package pulls

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/templates"
)

// session is one repository at its default branch's head, as the server's
// account: what the image update and the hardening pull requests share to
// open, rebuild and close theirs.
type session struct {
	opts   Options
	repo   forge.Repository
	login  string
	base   forge.Head
	snap   compose.Snapshot
	policy *policy.Policy
	paths  map[string]bool // every file of the base head
	now    time.Time
	// trailer starts the last line of every commit the flow makes: a
	// commit without it on one of its branches is someone else's.
	trailer string
}

// start reads a repository's default branch head, its files and policy,
// and the server's account. skipped says why there is nothing to do:
// archived, or empty.
func (r *Runner) start(ctx context.Context, repo forge.Repository, trailer string) (s *session, skipped string, err error) {
	if repo.Archived {
		return nil, "archived", nil
	}
	base, err := r.opts.Forge.BranchHead(ctx, repo.Repo, repo.DefaultBranch)
	if errors.Is(err, forge.ErrNotFound) {
		return nil, "no default branch: the repository is empty", nil
	}
	if err != nil {
		return nil, "", err
	}
	snap, err := r.opts.Forge.Snapshot(ctx, repo.Repo, base.SHA)
	if err != nil {
		return nil, "", err
	}
	s, err = r.startAt(ctx, repo, base, snap, trailer)
	return s, "", err
}

// startAt is start on a default branch head and its files already read.
func (r *Runner) startAt(ctx context.Context, repo forge.Repository, base forge.Head, snap forge.Snapshot, trailer string) (*session, error) {
	pol, err := readPolicy(snap)
	if err != nil {
		return nil, err
	}
	login, err := r.identity(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{opts: r.opts, repo: repo, login: login, base: base, snap: snap, policy: pol,
		paths: map[string]bool{}, now: r.opts.Now(), trailer: trailer}
	for _, p := range snap.Paths() {
		s.paths[p] = true
	}
	return s, nil
}

// ours reports a pull request composeguard opened from one of its branches.
func (s *session) ours(p forge.Pull) bool {
	return p.Author == s.login && strings.HasPrefix(p.HeadRef, BranchPrefix)
}

// pending is what one pull request proposes: a commit of whole files on
// its branch, and the pull request's title, body and labels.
type pending struct {
	branch, title, body string
	message             string // the commit's, without the trailer
	files               map[string][]byte
	labels              []string
}

// rebuild makes the branch one new commit on the base head again and
// edits the pull request in place, unless someone else pushed to it.
func (s *session) rebuild(ctx context.Context, p pending, pr forge.Pull) (Outcome, error) {
	o := Outcome{Branch: p.branch, Number: pr.Number}
	if who, err := s.foreign(ctx, pr.HeadSHA); err != nil || who != "" {
		o.Action, o.Detail = LeftAlone, "the branch has commits by "+who+"; not rebuilt"
		return o, err
	}
	if err := s.commit(ctx, p, true); err != nil {
		return o, err
	}
	if err := s.opts.Forge.EditPull(ctx, s.repo.Repo, pr.Number, forge.PullEdit{Title: p.title, Body: p.body}); err != nil {
		return o, err
	}
	o.Action = Updated
	return o, nil
}

// openPull commits to the branch, creating it or rebuilding a leftover one
// that only composeguard wrote to, and opens the pull request.
func (s *session) openPull(ctx context.Context, p pending) (Outcome, error) {
	o := Outcome{Branch: p.branch}
	head, err := s.opts.Forge.BranchHead(ctx, s.repo.Repo, p.branch)
	exists := err == nil
	if err != nil && !errors.Is(err, forge.ErrNotFound) {
		return o, err
	}
	if exists {
		if who, err := s.foreign(ctx, head.SHA); err != nil || who != "" {
			o.Action, o.Detail = LeftAlone, "the branch has commits by "+who+"; no pull request opened"
			return o, err
		}
	}
	if err := s.commit(ctx, p, exists); err != nil {
		return o, err
	}
	o.Number, err = s.opts.Forge.CreatePull(ctx, s.repo.Repo, forge.NewPull{Title: p.title, Body: p.body,
		Head: p.branch, Base: s.repo.DefaultBranch, Labels: p.labels})
	if errors.Is(err, forge.ErrNotLabelled) {
		o.Detail, err = err.Error(), nil
	}
	if err != nil {
		return o, err
	}
	o.Action = Opened
	return o, nil
}

// commit writes the files to the branch as one commit on the base head,
// its message ending with the trailer: creating the branch, or rebuilding
// it.
func (s *session) commit(ctx context.Context, p pending, rebuild bool) error {
	files := make([]forge.CommitFile, 0, len(p.files))
	for _, path := range slices.Sorted(maps.Keys(p.files)) {
		files = append(files, forge.CommitFile{Path: path, Content: p.files[path], New: !s.paths[path]})
	}
	_, err := s.opts.Forge.CommitFiles(ctx, s.repo.Repo, forge.NewCommit{Branch: p.branch,
		Message: p.message + "\n" + s.trailer + p.branch + "\n",
		Files:   files, From: s.repo.DefaultBranch, Base: s.base, Rebuild: rebuild})
	return err
}

// foreign returns who else committed to a branch since the base head, ""
// when every commit is composeguard's: made by its account, signed by the
// forge where the forge signs its commits, and carrying the trailer.
func (s *session) foreign(ctx context.Context, head string) (string, error) {
	commits, err := s.opts.Forge.CommitsSince(ctx, s.repo.Repo, s.base.SHA, head)
	if err != nil {
		return "", err
	}
	signed := s.opts.Forge.SignsCommits()
	var others []string
	for _, c := range commits {
		if c.Author != s.login || signed && !c.Verified || !strings.Contains(c.Message, "\n"+s.trailer) {
			others = append(others, cmp.Or(c.Author, "an unknown author"))
		}
	}
	return strings.Join(compact(others), ", "), nil
}

// closeWith closes a pull request no longer needed, with a comment saying
// why (the template's, rendered with view), unless someone else pushed to
// its branch.
func (s *session) closeWith(ctx context.Context, pr forge.Pull, template string, view any) (Outcome, error) {
	o := Outcome{Branch: pr.HeadRef, Number: pr.Number}
	if who, err := s.foreign(ctx, pr.HeadSHA); err != nil || who != "" {
		o.Action, o.Detail = LeftAlone, "no longer needed, but the branch has commits by "+who
		return o, err
	}
	comment, err := templates.Render(template, view)
	if err != nil {
		return o, err
	}
	if _, err := s.opts.Forge.CreateIssueComment(ctx, s.repo.Repo, pr.Number, comment); err != nil {
		return o, err
	}
	if err := s.opts.Forge.EditPull(ctx, s.repo.Repo, pr.Number, forge.PullEdit{Title: pr.Title + autoclosed, Close: true}); err != nil {
		return o, err
	}
	o.Action = Closed
	return o, nil
}
