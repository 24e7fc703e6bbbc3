package review

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/templates"
)

// Hidden markers let a re-run recognise what it already posted, whatever
// lines moved since: the summary's first line is its marker, and an inline
// comment ends with one fingerprint marker line per finding. They are read
// only from composeguard's own comments (see own) and only at that place:
// a suggestion quotes the repository verbatim, and anyone can write a
// comment.
const summaryMarker = "<!-- composeguard:summary -->"

func fingerprintMarker(fp string) string { return "<!-- composeguard:fingerprint=" + fp + " -->" }

// fingerprintLine is a marker line; audit.Fingerprint may add a "-n" suffix.
var fingerprintLine = regexp.MustCompile(`^<!-- composeguard:fingerprint=([0-9a-f]+(?:-[0-9]+)?) -->$`)

// markedFingerprints lists the fingerprints of the marker lines that end a
// comment.
func markedFingerprints(body string) []string {
	lines := strings.Split(strings.TrimRight(body, "\r\n"), "\n")
	var out []string
	for i := len(lines) - 1; i >= 0; i-- {
		m := fingerprintLine.FindStringSubmatch(strings.TrimSuffix(lines[i], "\r"))
		if m == nil {
			break
		}
		out = append(out, m[1])
	}
	slices.Reverse(out)
	return out
}

// isSummary reports whether a comment of composeguard's is its summary.
func isSummary(body string) bool {
	first, _, _ := strings.Cut(body, "\n")
	return strings.TrimSuffix(first, "\r") == summaryMarker
}

// own keeps the comments login wrote: the only ones whose markers say
// what composeguard posted, and the only ones it may edit.
func own(comments []forge.Comment, login string) []forge.Comment {
	var out []forge.Comment
	for _, c := range comments {
		if c.Author == login {
			out = append(out, c)
		}
	}
	return out
}

// postReview posts one review with a comment for each group of new
// findings not commented before whose lines the pull request adds, the
// most severe first up to the cap. It returns why the other new findings
// have no inline comment, by fingerprint.
func (r *PullRequestReview) postReview(ctx context.Context, req forge.ReviewRequest, res *result, done *posted) (map[string]string, error) {
	commented := map[string]bool{}
	for _, c := range done.Comments {
		for _, fp := range c.Fingerprints {
			commented[fp] = true
		}
	}
	var todo []audit.Finding
	for _, f := range res.cmp.New {
		if !commented[f.Fingerprint] {
			todo = append(todo, f)
		}
	}
	groups := res.groupNew(todo)
	var placeable []*comment
	for _, c := range groups {
		if res.placeable(c) {
			placeable = append(placeable, c)
		} else {
			c.reason = "not on a line this pull request adds"
		}
	}
	sort.SliceStable(placeable, func(i, j int) bool { return placeable[i].severity() > placeable[j].severity() })
	var inline []*comment
	for i, c := range placeable {
		if i >= res.pol.MaxInlineComments {
			c.reason = fmt.Sprintf("over the limit of %d inline comments", res.pol.MaxInlineComments)
			continue
		}
		res.suggest(c)
		inline = append(inline, c)
	}
	if len(inline) > 0 {
		err := r.creating(ctx, req, func() (forge.Posted, error) {
			return placed(inline, r.createReview(ctx, req, inline))
		})
		if err != nil {
			return nil, err
		}
	}
	reasons := map[string]string{}
	for _, c := range groups {
		for _, f := range c.findings {
			if c.reason != "" {
				reasons[f.Fingerprint] = c.reason
			}
		}
	}
	return reasons, nil
}

// placed gives the reason of the comments the forge refused, and what the
// review posted: the others. An error the forge may have posted despite
// is returned as is.
func placed(inline []*comment, err error) (forge.Posted, error) {
	var placement *forge.PlacementError
	if errors.As(err, &placement) {
		// The forge placed the others: only these go to the summary.
		for _, i := range placement.Refused {
			inline[i].reason = "the forge refused to place it"
		}
		err = nil
	}
	if errors.Is(err, forge.ErrUnprocessable) {
		// One misplaced comment rejects the whole review and the forge
		// does not say which: the summary carries them all instead.
		for _, c := range inline {
			c.reason = "the forge refused to place it"
		}
		err = nil
	}
	var p forge.Posted
	for _, c := range inline {
		if c.reason == "" {
			p.Comments = append(p.Comments, forge.PostedComment{Fingerprints: c.fingerprints()})
		}
	}
	return p, err
}

func (r *PullRequestReview) createReview(ctx context.Context, req forge.ReviewRequest, comments []*comment) error {
	body, err := templates.Render("review_body.md.tmpl", struct {
		Count   int
		HeadSHA string
	}{len(comments), shortSHA(req.HeadSHA)})
	if err != nil {
		return err
	}
	review := forge.Review{CommitSHA: req.HeadSHA, Body: body}
	link := func(file string, line int) string { return r.Forge.FileURL(req.Repo, req.HeadSHA, file, line) }
	for _, c := range comments {
		text, err := templates.Render("review_comment.md.tmpl", viewComment(c, link, r.rules()))
		if err != nil {
			return err
		}
		ic := forge.InlineComment{Path: c.file, Line: c.line, Body: text}
		if c.start < c.line {
			ic.StartLine = c.start
		}
		review.Comments = append(review.Comments, ic)
	}
	return r.Forge.CreateReview(ctx, req.Repo, req.Number, review)
}

// resolveFixed resolves, silently, the thread of each composeguard comment
// whose findings are all gone from the head. It returns the comments whose
// threads stay open because the forge cannot resolve them, for the summary
// to name; a failure worth retrying is returned for the job to retry. The
// forge is asked only when a comment not settled yet is fixed; the threads
// carry their first comment, and those resolved are recorded settled.
func (r *PullRequestReview) resolveFixed(ctx context.Context, req forge.ReviewRequest, res *result, done *posted) ([]forge.Comment, error) {
	present := audit.Fingerprints(res.head.Findings, res.head.Waived)
	gone := func(fps []string) bool {
		return len(fps) > 0 && !slices.ContainsFunc(fps, func(fp string) bool { return present[fp] })
	}
	if !slices.ContainsFunc(done.Comments, func(c forge.PostedComment) bool { return !c.Settled && gone(c.Fingerprints) }) {
		return nil, nil
	}
	login, err := r.Forge.Login(ctx)
	if err != nil {
		return nil, err
	}
	resolver, ok := r.Forge.(forge.ThreadResolver)
	var threads []forge.Thread
	if ok {
		threads, err = resolver.ReviewThreads(ctx, req.Repo, req.Number)
	}
	if !ok || err != nil {
		if err := retryable(err); err != nil {
			return nil, err
		}
		// The summary says what was fixed instead.
		return r.fixedComments(ctx, req, done, login, gone)
	}
	var open []forge.Comment
	var settled forge.Posted
	for _, t := range threads {
		fps := markedFingerprints(t.Body)
		if t.Author != login || !gone(fps) {
			continue
		}
		if !t.Resolved {
			if err := resolver.ResolveThread(ctx, req.Repo, t.ID); err != nil {
				if err := retryable(err); err != nil {
					return nil, err
				}
				open = append(open, forge.Comment{ID: t.FirstComment, Path: t.Path, Line: t.Line, Body: t.Body, Author: t.Author})
				continue
			}
		}
		settled.Comments = append(settled.Comments, forge.PostedComment{Fingerprints: fps, Settled: true})
	}
	if len(settled.Comments) == 0 {
		return open, nil
	}
	return open, r.store().Wrote(ctx, req, settled)
}

// fixedComments lists composeguard's comments whose findings are gone.
func (r *PullRequestReview) fixedComments(ctx context.Context, req forge.ReviewRequest, done *posted, login string, gone func([]string) bool) ([]forge.Comment, error) {
	comments := done.comments
	if !done.listed {
		all, err := r.Forge.ReviewComments(ctx, req.Repo, req.Number)
		if err != nil {
			return nil, err
		}
		comments = own(all, login)
	}
	var fixed []forge.Comment
	for _, c := range comments {
		if c.InReplyTo == 0 && gone(markedFingerprints(c.Body)) {
			fixed = append(fixed, c)
		}
	}
	return fixed, nil
}

// retryable keeps the errors worth retrying the job for; others (a token
// that may not resolve threads) leave the summary to say what was fixed.
func retryable(err error) error {
	var retry *forge.RetryableError
	if errors.As(err, &retry) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// GitHub's limit on an issue comment's body
// (https://docs.github.com/en/rest/issues/comments).
const maxCommentBody = 65536

// postSummary keeps one summary comment per pull request, edited in place
// only when its text changed. One recorded but no longer on the forge (it
// was deleted, or the record is stale) is looked for by its marker before
// another is created.
func (r *PullRequestReview) postSummary(ctx context.Context, req forge.ReviewRequest, res *result, reasons map[string]string, open []forge.Comment, done *posted) error {
	v := res.view(reasons)
	v.FixedThreads = viewOpenThreads(open)
	body, err := v.render("summary_comment.md.tmpl", maxCommentBody)
	if err != nil {
		return err
	}
	id, sum := done.SummaryID, digest(body)
	if id != 0 && done.SummaryDigest == sum {
		return nil
	}
	if id != 0 {
		err := r.Forge.EditIssueComment(ctx, req.Repo, req.Number, id, body)
		if errors.Is(err, forge.ErrNotFound) && !done.listed {
			id, err = r.editFound(ctx, req, body)
		}
		if err != nil {
			return err
		}
	}
	if id != 0 {
		return r.store().Wrote(ctx, req, forge.Posted{SummaryID: id, SummaryDigest: sum})
	}
	return r.creating(ctx, req, func() (forge.Posted, error) {
		id, err := r.Forge.CreateIssueComment(ctx, req.Repo, req.Number, body)
		return forge.Posted{SummaryID: id, SummaryDigest: sum}, err
	})
}

// editFound lists the conversation for the summary and gives it body; 0
// when there is none.
func (r *PullRequestReview) editFound(ctx context.Context, req forge.ReviewRequest, body string) (int64, error) {
	login, err := r.Forge.Login(ctx)
	if err != nil {
		return 0, err
	}
	found, err := r.findSummary(ctx, req, login)
	if err != nil || found == nil || found.Body == body {
		return idOf(found), err
	}
	return found.ID, r.Forge.EditIssueComment(ctx, req.Repo, req.Number, found.ID, body)
}

func idOf(c *forge.Comment) int64 {
	if c == nil {
		return 0
	}
	return c.ID
}
