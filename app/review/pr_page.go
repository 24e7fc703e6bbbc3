package review

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pages"
)

// Reports keeps each head's review for its report page (app/jobs).
type Reports interface {
	SaveReview(ctx context.Context, r pages.Review) error
}

// ReportLinks signs the links to report pages (*pages.Links).
type ReportLinks interface {
	Report(key string, now time.Time) string
}

// keepReport stores the head's review for its report page and returns the
// signed link to it, for the check run's "Details"; "" when the server
// keeps no pages.
func (r *PullRequestReview) keepReport(ctx context.Context, pr forge.PullRequest, res *result, run forge.CheckRun) (string, error) {
	if r.Reports == nil || r.Links == nil {
		return "", nil
	}
	now := r.now()
	page := res.page(run, now)
	// A forge that did not name the default branch gets no badge from it:
	// counting it in would let any branch's policy publish the score.
	page.IntoDefault = pr.DefaultBranch != "" && pr.BaseRef == pr.DefaultBranch
	page.Badge = res.pol.Badge
	if err := r.Reports.SaveReview(ctx, page); err != nil {
		// The database, not the pull request, failed: the job tries again.
		return "", &forge.RetryableError{Err: fmt.Errorf("keep the report page of %s@%s: %w", res.req.Repo, shortSHA(res.req.HeadSHA), err)}
	}
	return r.Links.Report(page.Key(), now), nil
}

// page is what the report page shows of the review: the head's findings,
// new ones first, each with the lines around it, the scores and the
// exceptions in use, within the bounds of pages.
func (res *result) page(run forge.CheckRun, now time.Time) pages.Review {
	v := res.view(nil)
	p := pages.Review{Forge: res.req.Repo.Forge, Repo: res.req.Repo.String(), Number: res.req.Number,
		HeadSHA: res.req.HeadSHA, BaseSHA: res.baseSHA, ReviewedAt: now.UTC(), Conclusion: run.Conclusion, Title: run.Title,
		Scores: append(slices.Clone(v.Scores), v.Overall), Exceptions: v.Exceptions}
	if len(p.Exceptions) > pages.MaxExceptions {
		p.Exceptions = p.Exceptions[:pages.MaxExceptions]
	}
	isNew := map[string]bool{}
	for _, f := range res.cmp.New {
		isNew[f.Fingerprint] = true
	}
	findings := slices.Clone(res.head.Findings)
	slices.SortStableFunc(findings, func(a, b audit.Finding) int {
		switch {
		case isNew[a.Fingerprint] != isNew[b.Fingerprint] && isNew[a.Fingerprint]:
			return -1
		case isNew[a.Fingerprint] != isNew[b.Fingerprint]:
			return 1
		}
		return int(b.Severity) - int(a.Severity)
	})
	if len(findings) > pages.MaxFindings {
		p.Omitted, findings = len(findings)-pages.MaxFindings, findings[:pages.MaxFindings]
	}
	for _, f := range findings {
		pf := pages.Finding{Severity: f.Severity.String(), Rule: f.Rule, File: f.Pos.File, Line: f.Pos.Line,
			Services: f.Services, Message: f.Message, Fix: f.Fix, New: isNew[f.Fingerprint]}
		// The file was read for the audit: this reads the blob cache.
		if content, err := res.headFiles.ReadFile(f.Pos.File); err == nil && f.Pos.Line > 0 {
			pf.Excerpt = pages.Excerpt(content, f.Pos.Line)
		}
		p.Findings = append(p.Findings, pf)
	}
	return p
}
