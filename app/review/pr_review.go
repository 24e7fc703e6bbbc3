package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/vulns"
	"github.com/composeguard/composeguard/checks"
)

// PullRequestReview reviews pull request heads on a forge: a check run that
// can gate merging, one review with an inline comment per service or line
// the change adds problems to, their threads resolved once fixed, and one
// summary comment edited in place. Every step goes by what is already
// posted (as Store recorded it, else as the forge lists it), so a job that
// retries Run after a failure duplicates nothing.
type PullRequestReview struct {
	Forge Forge
	// Store records what was posted; nil lists the forge every time.
	Store Store
	Now   func() time.Time // decides which exceptions have expired
	// Scanner lists the vulnerabilities of the images a pull request adds
	// or changes in its summary; nil leaves them out. They never change
	// the check's verdict.
	Scanner *vulns.Scanner
	// Registry makes the registry lookups of one review for a repository
	// (named as registry.ScopeName names it), which find the digests of
	// those images' tags; needed with Scanner.
	Registry func(caller string) (vulns.Digests, error)
	// RulesURL is what a rule's id is appended to for the links of
	// comments and check runs to its documentation: the server's own rule
	// pages, so they open where the forge is (GitHub Enterprise, a
	// self-managed GitLab) without the internet. "" is checks.HelpBase.
	RulesURL string
	// Reports keeps each head's review for its report page, and Links
	// signs the link to it that the check run's "Details" (GitLab's
	// target URL) carries; without either there is no page.
	Reports Reports
	Links   ReportLinks
	// Metrics count the findings of each completed review; nil counts none.
	Metrics *Metrics
}

func (r *PullRequestReview) rules() string { return cmp.Or(r.RulesURL, checks.HelpBase) }

// Run reviews one pull request head. It posts nothing when the head is no
// longer the pull request's, and returns the forge's errors for the job to
// retry.
func (r *PullRequestReview) Run(ctx context.Context, req forge.ReviewRequest) error {
	pr, err := r.pullRequest(ctx, req)
	if err != nil {
		return err
	}
	if !pr.Open || pr.HeadSHA != req.HeadSHA {
		return r.endStale(ctx, req, pr)
	}
	// The check run is created once the verdict is known: a review takes
	// well under a second, and a run shown in progress first would cost a
	// request more.
	done, err := r.posted(ctx, req)
	if err != nil || done.Run != 0 {
		// A run completed by this job: an earlier attempt was cut off
		// after its last step, so the review stands.
		return err
	}
	spend := newBudget(ctx)
	defer spend.release()
	res, err := r.audit(ctx, spend, req, pr)
	if err != nil {
		return err
	}
	if res.noCompose() || len(res.incomplete) > 0 {
		run, err := res.checkRun()
		if err != nil {
			return err
		}
		return r.complete(ctx, pr, req, done, run)
	}
	r.scanImages(ctx, req, res)
	if moved, err := r.superseded(ctx, req, done); moved || err != nil {
		return err
	}
	// Read again now that the audit is done: another review of the pull
	// request (an earlier head's) may have posted meanwhile.
	if done, err = r.reread(ctx, req, done); err != nil {
		return err
	}
	run, err := res.checkRun()
	if err != nil {
		return err
	}
	reasons, err := r.postReview(ctx, req, res, done)
	if err != nil {
		return err
	}
	open, err := r.resolveFixed(ctx, req, res, done)
	if err != nil {
		return err
	}
	if err := r.postSummary(ctx, req, res, reasons, open, done); err != nil {
		return err
	}
	if run.DetailsURL, err = r.keepReport(ctx, pr, res, run); err != nil {
		return err
	}
	// Completed last: until then a retry finds no run of its job, so a
	// review posted in several steps has one check run.
	if err := r.complete(ctx, pr, req, done, run); err != nil {
		return err
	}
	r.Metrics.found(res.head)
	return nil
}

// pullRequest is the pull request at req's head as the webhook described
// it, else as the forge says, into the default branch the event named.
func (r *PullRequestReview) pullRequest(ctx context.Context, req forge.ReviewRequest) (forge.PullRequest, error) {
	if req.Pull != nil && req.Pull.HeadSHA == req.HeadSHA && req.Pull.Number == req.Number {
		return *req.Pull, nil
	}
	pr, err := r.Forge.PullRequest(ctx, req.Repo, req.Number)
	pr.DefaultBranch = cmp.Or(pr.DefaultBranch, req.DefaultBranch)
	return pr, err
}

// audit chooses the compose projects a change affects, grouped as the audit
// command groups them, and audits them at base and head, both under the base
// commit's policy: a pull request cannot
// weaken the policy that judges it. Files are read, and projects audited,
// within spend.
func (r *PullRequestReview) audit(ctx context.Context, spend *budget, req forge.ReviewRequest, pr forge.PullRequest) (*result, error) {
	files, err := r.Forge.ChangedFiles(ctx, req.Repo, req.Number)
	if err != nil {
		return nil, err
	}
	base, err := r.snapshot(spend, req.Repo, pr.BaseSHA)
	if err != nil {
		return nil, err
	}
	head, err := r.snapshot(spend, req.Repo, req.HeadSHA)
	if err != nil {
		return nil, err
	}
	reading := spend.ctx
	pol := policy.Read(base)
	res := &result{req: req, baseSHA: pr.BaseSHA, pol: pol, files: map[string]forge.ChangedFile{}, links: r.Forge, rules: r.rules(),
		listed: len(files), changedFiles: pr.ChangedFiles}
	for _, f := range files {
		res.files[f.Path] = f
	}
	for _, s := range []struct {
		sha  string
		snap *forgeSnapshot
	}{{pr.BaseSHA, base}, {req.HeadSHA, head}} {
		if s.snap.Truncated() {
			res.incomplete = append(res.incomplete, unreviewed{Commit: shortSHA(s.sha), Why: whyTruncated})
		}
	}
	if len(res.incomplete) > 0 {
		return res, nil
	}
	changed, renamed := changes(base, head, files)
	if changed[policy.FileName] {
		c := ComparePolicies(pol, policy.Read(head))
		res.policy = &c
	}
	headProjects := audit.Projects(head, pol)
	keep := affected(reading, head, headProjects, pol, changed)
	baseProjects, headProjects := audit.Projects(base, pol).Only(keep), headProjects.Only(keep)
	spend.auditing(composeFiles(baseProjects) + composeFiles(headProjects))
	if len(baseProjects.Plans)+len(headProjects.Plans) > 0 && spend.exceeded() == "" {
		now := r.now()
		res.base = audit.RunProjects(reading, base, pol, baseProjects, now)
		followRenames(res.base, renamed)
		headRead := &oversized{Snapshot: head}
		res.headFiles = head
		res.head = audit.RunProjects(reading, headRead, pol, headProjects, now)
		res.suggester = fix.NewSuggester(reading, head, headProjects, pol.Options)
		res.requested = res.head.RefuseInline(res.base.Inline)
		res.cmp = audit.Compare(res.base, res.head)
		for _, p := range headRead.list() {
			res.incomplete = append(res.incomplete, unreviewed{Path: p, Why: whyTooLarge})
		}
	}
	// The job's own end (its timeout, a shutdown) is retried; a spent
	// budget is the pull request's and fails its check.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if why := spend.exceeded(); why != "" {
		res.incomplete = []unreviewed{{Why: why}}
		return res, nil
	}
	if err := errors.Join(base.Err(), head.Err(), reading.Err()); err != nil {
		return nil, err
	}
	return res, nil
}

// followRenames moves base findings to the paths their files have at head,
// so the findings of a renamed file are not taken for new ones.
func followRenames(r *audit.Report, renamed map[string]string) {
	if len(renamed) == 0 {
		return
	}
	r.MapPaths(func(p string) string {
		if to, ok := renamed[p]; ok {
			return to
		}
		return p
	})
	for _, list := range [][]audit.Finding{r.Findings, r.Waived} {
		for i := range list {
			list[i].Fingerprint = audit.Fingerprint(list[i].Finding)
		}
	}
}

// snapshot lists a commit's files, read later within spend.
func (r *PullRequestReview) snapshot(spend *budget, repo forge.Repo, sha string) (*forgeSnapshot, error) {
	snap, err := r.Forge.Snapshot(spend.ctx, repo, sha)
	if err != nil {
		return nil, err
	}
	return &forgeSnapshot{Snapshot: snap, budget: spend}, nil
}

// superseded tells, before anything is posted, whether the pull request
// moved on from req's head: the store knows the head of its latest event,
// recorded before that event's review starts, so a push during this
// review is seen without a request. When the store names another head (or
// none) the forge says: events may arrive out of order. A review that
// moved on posts nothing, and a run left in progress is cancelled.
func (r *PullRequestReview) superseded(ctx context.Context, req forge.ReviewRequest, done *posted) (bool, error) {
	head, err := r.store().Head(ctx, req.Repo, req.Number)
	if err != nil || head == req.HeadSHA {
		return false, err
	}
	pr, err := r.Forge.PullRequest(ctx, req.Repo, req.Number)
	if err != nil {
		return false, err
	}
	if pr.Open && pr.HeadSHA == req.HeadSHA {
		return false, nil
	}
	return true, r.cancelOpen(ctx, req, pr, done)
}

// endStale ends a review whose head is no longer the pull request's before
// it starts: nothing is posted, and a run left in progress (by a version
// that showed reviews in progress) is cancelled.
func (r *PullRequestReview) endStale(ctx context.Context, req forge.ReviewRequest, pr forge.PullRequest) error {
	p, err := r.store().Posted(ctx, req)
	if err != nil || trusted(p, req) {
		return err
	}
	runs, err := r.requestRuns(ctx, req)
	if err != nil {
		return err
	}
	return r.cancelOpen(ctx, req, pr, &posted{open: inProgress(runs)})
}

func (r *PullRequestReview) cancelOpen(ctx context.Context, req forge.ReviewRequest, pr forge.PullRequest, done *posted) error {
	for _, id := range done.open {
		if err := r.finishCheck(ctx, req, id, supersededRun(pr)); err != nil {
			return err
		}
	}
	return nil
}

// supersededRun ends the run of a head the pull request moved on from, or
// of a closed pull request.
func supersededRun(pr forge.PullRequest) forge.CheckRun {
	if !pr.Open {
		return forge.CheckRun{Conclusion: forge.ConclusionCancelled,
			Title: "Pull request closed", Summary: "The pull request was closed during the review."}
	}
	return forge.CheckRun{Conclusion: forge.ConclusionCancelled,
		Title:   "Superseded by " + shortSHA(pr.HeadSHA),
		Summary: fmt.Sprintf("The pull request moved on to `%s` during the review; composeguard reviews that commit instead.", shortSHA(pr.HeadSHA))}
}

func inProgress(runs []forge.CheckRun) []int64 {
	var open []int64
	for _, run := range runs {
		if run.Status == forge.StatusInProgress {
			open = append(open, run.ID)
		}
	}
	return open
}

// completedByJob finds the run req's job completed.
func completedByJob(runs []forge.CheckRun, req forge.ReviewRequest) (int64, bool) {
	for _, run := range runs {
		if req.Job != 0 && run.Status == forge.StatusCompleted && strings.HasPrefix(run.ExternalID, externalID(req)+" ") {
			return run.ID, true
		}
	}
	return 0, false
}

// requestRuns lists the runs of req on the forge, by any job. A run
// without an external id is a commit status, which a forge keeps one of per
// head and name: it is req's.
func (r *PullRequestReview) requestRuns(ctx context.Context, req forge.ReviewRequest) ([]forge.CheckRun, error) {
	runs, err := r.Forge.CheckRuns(ctx, req.Repo, req.HeadSHA, forge.CheckName)
	if err != nil {
		return nil, err
	}
	key := requestKey(req)
	return slices.DeleteFunc(runs, func(run forge.CheckRun) bool {
		return run.ExternalID != "" && run.ExternalID != key && !strings.HasPrefix(run.ExternalID, key+" ")
	}), nil
}

// finishCheck completes a check run with run's conclusion and output,
// which is the run's own verdict (see verdict.go).
func (r *PullRequestReview) finishCheck(ctx context.Context, req forge.ReviewRequest, id int64, run forge.CheckRun) error {
	run.Name, run.HeadSHA, run.ExternalID, run.Number, run.Status = forge.CheckName, req.HeadSHA, verdictID(req, run.Conclusion), req.Number, forge.StatusCompleted
	return r.Forge.UpdateCheckRun(ctx, req.Repo, id, run)
}

// GiveUp ends the review of a request the job will not retry: a failed run
// is created, so the pull request shows why, unless the job's own run
// completed (its last attempt failed after completing it). Runs left in
// progress for it, by a version that showed reviews in progress, complete
// as failed instead.
func (r *PullRequestReview) GiveUp(ctx context.Context, req forge.ReviewRequest, cause error) error {
	run := forge.CheckRun{Conclusion: forge.ConclusionFailure, Title: "composeguard could not finish",
		Summary: "composeguard could not finish: " + explain(cause) +
			". Push a commit or re-run the check to try again."}
	done, err := r.posted(ctx, req)
	if err != nil || done.Run != 0 {
		return err
	}
	for _, id := range done.open {
		if err := r.finishCheck(ctx, req, id, run); err != nil {
			return err
		}
	}
	if len(done.open) > 0 {
		return nil
	}
	run.Name, run.HeadSHA, run.ExternalID, run.Number, run.Status = forge.CheckName, req.HeadSHA, verdictID(req, run.Conclusion), req.Number, forge.StatusCompleted
	_, err = r.createRun(ctx, req, run)
	return err
}

// explain names the kind of failure without its text, which may quote a
// URL, a header or repository content.
func explain(err error) string {
	var retry *forge.RetryableError
	switch {
	case errors.As(err, &retry):
		return "the forge kept failing or rate-limiting its requests"
	case errors.Is(err, context.DeadlineExceeded):
		return "the review ran out of time"
	case errors.Is(err, forge.ErrNotFound):
		return "the pull request or one of its files could not be found"
	case errors.Is(err, forge.ErrUnprocessable):
		return "the forge refused one of its requests"
	}
	return "an unexpected error"
}

func (r *PullRequestReview) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// externalID ties a check run to the request it reviews and the job that
// reviews it: a re-run's job makes a run of its own, and a job's later
// attempt finds the run an earlier one completed. A completed run adds its
// verdict (verdictID).
func externalID(req forge.ReviewRequest) string {
	if req.Job == 0 {
		return requestKey(req)
	}
	return fmt.Sprintf("%s job %d", requestKey(req), req.Job)
}

// requestKey names the request a run reviews, whichever job reviewed it.
func requestKey(req forge.ReviewRequest) string {
	return fmt.Sprintf("%s#%d@%s", req.Repo, req.Number, req.HeadSHA)
}

func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}
