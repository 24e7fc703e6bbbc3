package review

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/templates"
)

// Hidden markers let a re-run recognise what it already posted, whatever
// lines moved since.
const summaryMarker = "<!-- composeguard:summary -->"

func fingerprintMarker(fp string) string { return "<!-- composeguard:fingerprint=" + fp + " -->" }
func fixedMarker(fp string) string       { return "<!-- composeguard:fixed=" + fp + " -->" }

var (
	fingerprintRe = regexp.MustCompile(`<!-- composeguard:fingerprint=([0-9a-f]+) -->`)
	fixedRe       = regexp.MustCompile(`<!-- composeguard:fixed=([0-9a-f]+) -->`)
)

func marked(re *regexp.Regexp, body string) string {
	if m := re.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// postReview posts one review holding an inline comment for each new finding
// on a line the pull request adds and not commented before, the most severe
// first up to the cap. It returns the new findings left for the summary.
func (r *PullRequestReview) postReview(ctx context.Context, req forge.ReviewRequest, res *result, posted []forge.Comment) ([]findingView, error) {
	done := map[string]bool{}
	for _, c := range posted {
		if fp := marked(fingerprintRe, c.Body); fp != "" {
			done[fp] = true
		}
	}
	var placeable []audit.Finding
	for _, f := range res.cmp.New {
		if !done[f.Fingerprint] && res.inDiff(f, addedLines) {
			placeable = append(placeable, f)
		}
	}
	sort.SliceStable(placeable, func(i, j int) bool { return placeable[i].Severity > placeable[j].Severity })
	chosen := map[string]bool{}
	for _, f := range placeable[:min(len(placeable), res.pol.MaxInlineComments)] {
		chosen[f.Fingerprint] = true
	}
	var inline []audit.Finding
	var rest []findingView
	for _, f := range res.cmp.New {
		switch {
		case done[f.Fingerprint]:
		case chosen[f.Fingerprint]:
			inline = append(inline, f)
		case res.inDiff(f, addedLines):
			rest = append(rest, notInline(f, fmt.Sprintf("over the limit of %d inline comments", res.pol.MaxInlineComments)))
		default:
			rest = append(rest, notInline(f, "not on a line this pull request adds"))
		}
	}
	if len(inline) == 0 {
		return rest, nil
	}
	review, err := newReview(req, inline)
	if err != nil {
		return nil, err
	}
	err = r.Forge.CreateReview(ctx, req.Repo, req.Number, review)
	if errors.Is(err, forge.ErrUnprocessable) {
		// One misplaced comment rejects the whole review and the forge
		// does not say which: the summary carries them all instead.
		for _, f := range inline {
			rest = append(rest, notInline(f, "the forge refused to place it"))
		}
		return rest, nil
	}
	return rest, err
}

func notInline(f audit.Finding, reason string) findingView {
	v := viewFinding(f, true)
	v.Reason = reason
	return v
}

// commentView is what review_comment.md.tmpl receives.
type commentView struct {
	findingView
	Marker string
}

func newReview(req forge.ReviewRequest, findings []audit.Finding) (forge.Review, error) {
	body, err := templates.Render("review_body.md.tmpl", struct {
		Count   int
		HeadSHA string
	}{len(findings), shortSHA(req.HeadSHA)})
	if err != nil {
		return forge.Review{}, err
	}
	review := forge.Review{CommitSHA: req.HeadSHA, Body: body}
	for _, f := range findings {
		v := commentView{findingView: viewFinding(f, true), Marker: fingerprintMarker(f.Fingerprint)}
		text, err := templates.Render("review_comment.md.tmpl", v)
		if err != nil {
			return forge.Review{}, err
		}
		review.Comments = append(review.Comments, forge.InlineComment{Path: f.Pos.File, Line: f.Pos.Line, Body: text})
	}
	return review, nil
}

// replyFixed answers each composeguard comment whose finding is gone from
// the head, once: the reply carries its own marker. Nothing is deleted, so
// human replies in the thread stay.
func (r *PullRequestReview) replyFixed(ctx context.Context, req forge.ReviewRequest, res *result, posted []forge.Comment) error {
	present := audit.Fingerprints(res.head.Findings, res.head.Waived)
	replied := map[int64]map[string]bool{}
	for _, c := range posted {
		if fp := marked(fixedRe, c.Body); fp != "" && c.InReplyTo != 0 {
			if replied[c.InReplyTo] == nil {
				replied[c.InReplyTo] = map[string]bool{}
			}
			replied[c.InReplyTo][fp] = true
		}
	}
	for _, c := range posted {
		fp := marked(fingerprintRe, c.Body)
		if fp == "" || c.InReplyTo != 0 || present[fp] || replied[c.ID][fp] {
			continue
		}
		body, err := templates.Render("fixed_reply.md.tmpl", struct{ HeadSHA, Marker string }{shortSHA(req.HeadSHA), fixedMarker(fp)})
		if err != nil {
			return err
		}
		if err := r.Forge.Reply(ctx, req.Repo, req.Number, c.ID, body); err != nil {
			return err
		}
	}
	return nil
}

// GitHub's limit on an issue comment's body
// (https://docs.github.com/en/rest/issues/comments).
const maxCommentBody = 65536

// postSummary keeps one summary comment per pull request, found by its
// marker and edited in place only when its text changed.
func (r *PullRequestReview) postSummary(ctx context.Context, req forge.ReviewRequest, res *result, notInline []findingView) error {
	body, err := res.view(notInline).render("summary_comment.md.tmpl", maxCommentBody)
	if err != nil {
		return err
	}
	comments, err := r.Forge.IssueComments(ctx, req.Repo, req.Number)
	if err != nil {
		return err
	}
	for _, c := range comments {
		if strings.Contains(c.Body, summaryMarker) {
			if c.Body == body {
				return nil
			}
			return r.Forge.EditIssueComment(ctx, req.Repo, c.ID, body)
		}
	}
	_, err = r.Forge.CreateIssueComment(ctx, req.Repo, req.Number, body)
	return err
}
