package review

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/templates"
)

// A commit can be the head of several open pull requests, into bases whose
// policies differ, and GitHub shows one composeguard check on it (the most
// recent run of the name; which one that is depends on timing): so every
// run at a head carries the strictest verdict, failure when the base
// policy of any of those pull requests fails the commit. A completed run
// keeps its own pull request's verdict after its key in its external id
// ("acme/stack#7@<sha> job 42 success"), so the reviews of the others read it
// whatever the run shows.

// verdictID is req's key with its own verdict.
func verdictID(req forge.ReviewRequest, verdict string) string {
	return externalID(req) + " " + verdict
}

// runVerdict reads a completed run's pull request and own verdict at head;
// false for a run without them (a commit status keeps no external id).
func runVerdict(run forge.CheckRun, head string) (number int, verdict string, ok bool) {
	key, rest, found := strings.Cut(run.ExternalID, " ")
	verdict = rest[strings.LastIndex(rest, " ")+1:] // after the job, when the run names it
	hash, at := strings.LastIndex(key, "#"), strings.LastIndex(key, "@")
	if !found || hash < 0 || at < hash || key[at+1:] != head {
		return 0, "", false
	}
	number, err := strconv.Atoi(key[hash+1 : at])
	return number, verdict, err == nil
}

// headShare is the other open pull requests at req's head and what their
// runs there say.
type headShare struct {
	others []forge.PullRequest
	// failing are those whose own verdict at the head is failure.
	failing []forge.PullRequest
	// untold means a run there keeps no pull request's verdict (a commit
	// status, one per commit), so theirs cannot be told from req's.
	untold bool
}

// share reads the open pull requests at req's head and, when there are
// others than req's, the runs at the head. Only a pull request with an
// event composeguard received can have a verdict there, so when the store
// knows of no other at the head the forge is not asked; when it does, the
// forge says which are still open there.
func (r *PullRequestReview) share(ctx context.Context, req forge.ReviewRequest) (headShare, error) {
	others, known, err := r.store().OthersAt(ctx, req.Repo, req.Number, req.HeadSHA)
	if err != nil || known && len(others) == 0 {
		return headShare{}, err
	}
	prs, err := r.Forge.OpenPullRequestsAt(ctx, req.Repo, req.HeadSHA)
	if err != nil {
		return headShare{}, err
	}
	var s headShare
	for _, pr := range prs {
		if pr.Number != req.Number && pr.Open && pr.HeadSHA == req.HeadSHA {
			s.others = append(s.others, pr)
		}
	}
	if len(s.others) == 0 {
		return s, nil
	}
	runs, err := r.Forge.CheckRuns(ctx, req.Repo, req.HeadSHA, forge.CheckName)
	if err != nil {
		return headShare{}, err
	}
	s.read(runs, req.HeadSHA)
	return s, nil
}

// read takes the verdicts of the others from the runs at head: each one's
// latest completed run.
func (s *headShare) read(runs []forge.CheckRun, head string) {
	latest := map[int]forge.CheckRun{}
	for _, run := range runs {
		n, _, ok := runVerdict(run, head)
		switch {
		case run.ExternalID == "":
			s.untold = true
		case ok && run.Status == forge.StatusCompleted && run.ID > latest[n].ID:
			latest[n] = run
		}
	}
	s.failing = nil
	for _, pr := range s.others {
		if _, verdict, _ := runVerdict(latest[pr.Number], head); verdict == forge.ConclusionFailure {
			s.failing = append(s.failing, pr)
		}
	}
}

func (s headShare) fails() bool { return len(s.failing) > 0 || len(s.others) > 0 && s.untold }

func (s headShare) has(number int) bool {
	for _, pr := range s.others {
		if pr.Number == number {
			return true
		}
	}
	return false
}

// complete creates the run of req (of pull request pr) with its own
// verdict, shown as the strictest of the open pull requests at its head (a
// run left in progress for req is completed instead); then, when there are
// others, settles what their reviews ended meanwhile.
func (r *PullRequestReview) complete(ctx context.Context, pr forge.PullRequest, req forge.ReviewRequest, done *posted, run forge.CheckRun) error {
	s, err := r.share(ctx, req)
	if err != nil {
		return err
	}
	own := run.Conclusion
	if own != forge.ConclusionFailure && s.fails() {
		if run, err = stricter(run, s); err != nil {
			return err
		}
	}
	run.Name, run.HeadSHA, run.ExternalID, run.Number, run.Status = forge.CheckName, req.HeadSHA, verdictID(req, own), req.Number, forge.StatusCompleted
	var id int64
	if len(done.open) > 0 {
		id = slices.Max(done.open)
		err = r.Forge.UpdateCheckRun(ctx, req.Repo, id, run)
		if err == nil {
			err = r.store().Wrote(ctx, req, forge.Posted{Run: id})
		}
	} else {
		id, err = r.createRun(ctx, req, run)
	}
	if err != nil || len(s.others) == 0 {
		return err
	}
	return r.settle(ctx, pr, req, id, own, s)
}

// settle reads the runs at the head again, after req's was written: a
// review of another pull request there that ended meanwhile may not have
// seen it, nor req's it. req's run fails if one of theirs does, and theirs
// showing success fail if req's own verdict does.
func (r *PullRequestReview) settle(ctx context.Context, pr forge.PullRequest, req forge.ReviewRequest, id int64, own string, s headShare) error {
	runs, err := r.Forge.CheckRuns(ctx, req.Repo, req.HeadSHA, forge.CheckName)
	if err != nil {
		return err
	}
	s.read(runs, req.HeadSHA)
	for _, run := range runs {
		n, _, ok := runVerdict(run, req.HeadSHA)
		if !ok || run.Status != forge.StatusCompleted || run.Conclusion == forge.ConclusionFailure || run.Conclusion == forge.ConclusionCancelled {
			continue
		}
		var by headShare
		switch {
		case run.ID == id && s.fails():
			by = s
		case n != req.Number && s.has(n) && own == forge.ConclusionFailure:
			by = headShare{others: []forge.PullRequest{pr}, failing: []forge.PullRequest{pr}}
		default:
			continue
		}
		shown, err := stricter(run, by)
		if err != nil {
			return err
		}
		shown.Status, shown.Number = forge.StatusCompleted, n
		if err := r.Forge.UpdateCheckRun(ctx, req.Repo, run.ID, shown); err != nil {
			return err
		}
	}
	return nil
}

// sharedView is what check_run_shared.md.tmpl receives: the pull requests
// whose base policies fail the commit, or, when their verdicts cannot be
// told apart, all the others at it.
type sharedView struct {
	Pulls  []pullView
	Untold bool
}

type pullView struct {
	Number  int
	BaseRef string
}

// stricter is run failed by the pull requests s names, saying which and
// why before run's own output.
func stricter(run forge.CheckRun, s headShare) (forge.CheckRun, error) {
	by := s.failing
	v := sharedView{}
	if len(by) == 0 {
		by, v.Untold = s.others, true
	}
	for _, pr := range by {
		v.Pulls = append(v.Pulls, pullView{pr.Number, pr.BaseRef})
	}
	note, err := templates.Render("check_run_shared.md.tmpl", v)
	if err != nil {
		return run, err
	}
	first := by[0]
	run.Conclusion = forge.ConclusionFailure
	run.Title = templates.Plain(fmt.Sprintf("Fails for #%d into %s · %s", first.Number, first.BaseRef, run.Title))
	if run.Summary = note + "\n\n" + run.Summary; len(run.Summary) > maxCheckOutput {
		run.Summary = templates.Truncate(run.Summary, maxCheckOutput)
	}
	return run, nil
}
