package review_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// privilegedFingerprint is the fingerprint of the privileged-container
// finding of web in content.
func privilegedFingerprint(t *testing.T, content string) string {
	t.Helper()
	for _, fd := range auditFile(t, content).Findings {
		if fd.Rule == "privileged-container" && slices.Contains(fd.Services, "web") {
			return fd.Fingerprint
		}
	}
	t.Fatal("no privileged finding for web")
	return ""
}

func commented(reviews []forge.Review, rule string) bool {
	for _, r := range reviews {
		for _, c := range r.Comments {
			if strings.Contains(c.Body, "`"+rule+"`") {
				return true
			}
		}
	}
	return false
}

// TestAPersonsMarkerSilencesNothing: someone writes a review comment
// carrying the marker of the finding composeguard is about to comment on;
// only composeguard's own comments say what it already posted.
func TestAPersonsMarkerSilencesNothing(t *testing.T) {
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	f.reviewComments = []forge.Comment{{ID: 300, Path: "compose.yaml", Line: 3, Author: "mallory",
		Body: "looks fine\n\n<!-- composeguard:fingerprint=" + privilegedFingerprint(t, head) + " -->"}}
	f.lastID = 300
	run(t, reviewer(f), headSHA)
	if !commented(f.reviews, "privileged-container") {
		t.Errorf("a person's marker kept composeguard from commenting on the privileged service: %+v", f.reviews)
	}
}

// TestMarkersAreReadOnlyAtTheEndOfOwnComments: a suggestion quotes the
// repository verbatim, so a marker inside it is the repository's text,
// not composeguard's record of what it posted.
func TestMarkersAreReadOnlyAtTheEndOfOwnComments(t *testing.T) {
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	f.reviewComments = []forge.Comment{{ID: 300, Path: "compose.yaml", Line: 3, Author: "composeguard[bot]",
		Body: "`app` · **1 new problem**\n\n```suggestion\n    # <!-- composeguard:fingerprint=" + privilegedFingerprint(t, head) +
			" -->\n```\n\n<!-- composeguard:fingerprint=00000000000000aa -->"}}
	f.lastID = 300
	run(t, reviewer(f), headSHA)
	if !commented(f.reviews, "privileged-container") {
		t.Errorf("a marker inside a suggestion kept composeguard from commenting on the privileged service: %+v", f.reviews)
	}
}

// TestAPersonsSummaryIsNeverEdited: a conversation comment someone wrote
// with composeguard's summary marker stays theirs; composeguard posts its
// own summary.
func TestAPersonsSummaryIsNeverEdited(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	const theirs = "<!-- composeguard:summary -->\nEverything is fine, merge it."
	f.issueComments = []forge.Comment{{ID: 400, Body: theirs, Author: "mallory"}}
	f.lastID = 400
	run(t, reviewer(f), headSHA)
	if f.issueComments[0].Body != theirs || f.count("EditIssueComment") != 0 {
		t.Errorf("composeguard edited mallory's comment into:\n%s", f.issueComments[0].Body)
	}
	if len(f.issueComments) != 2 || f.issueComments[1].Author != "composeguard[bot]" || !strings.HasPrefix(f.issueComments[1].Body, "<!-- composeguard:summary -->\n") {
		t.Errorf("comments = %+v, want mallory's and composeguard's own summary", f.issueComments)
	}
	// A later run finds its own summary, not mallory's.
	const next = "2e2e333333333333333333333333333333333333"
	f.push(next, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "9090"))})
	run(t, reviewer(f), next)
	if f.issueComments[0].Body != theirs || len(f.issueComments) != 2 || !strings.Contains(f.issueComments[1].Body, "at `2e2e333`") {
		t.Errorf("after a push: %+v", f.issueComments)
	}
}

// TestASummaryMarkerQuotedInTheTextIsNoSummary: composeguard's own
// comment is its summary only with the marker on its first line.
func TestASummaryMarkerQuotedInTheTextIsNoSummary(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	const other = "composeguard closed this pull request: `<!-- composeguard:summary -->`"
	f.issueComments = []forge.Comment{{ID: 400, Body: other, Author: "composeguard[bot]"}}
	f.lastID = 400
	run(t, reviewer(f), headSHA)
	if f.issueComments[0].Body != other || len(f.issueComments) != 2 {
		t.Errorf("comments = %+v, want the other comment untouched and a summary beside it", f.issueComments)
	}
}
