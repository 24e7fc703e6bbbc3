package review_test

import (
	"context"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// sameHead is a pull request whose own review passes (its base's policy
// fails nothing), at a head that #8, into release, shares.
func sameHead(t *testing.T) *fakeForge {
	t.Helper()
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app")), policy.FileName: "fail_on: never\n"},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Privileged("web")), policy.FileName: "fail_on: never\n"})
	f.others = []forge.PullRequest{{Repo: repo, Number: 8, HeadSHA: headSHA, BaseRef: "release", Open: true}}
	return f
}

// otherRun adds a completed run of #8 at the head with its own verdict.
func (f *fakeForge) otherRun(t *testing.T, verdict string) *forge.CheckRun {
	t.Helper()
	id, err := f.CreateCheckRun(context.Background(), repo, forge.CheckRun{Name: forge.CheckName, HeadSHA: headSHA, Status: forge.StatusCompleted,
		Conclusion: verdict, Title: "#8's own", Summary: "#8's summary", ExternalID: "acme/stack#8@" + headSHA + " " + verdict})
	if err != nil {
		t.Fatal(err)
	}
	return f.checkRuns[id-1]
}

// TestAnotherPullRequestsFailureFailsTheSharedHead: #8's base policy
// failed the commit; #7's run there fails too, naming #8, while keeping
// #7's own verdict for the others to read.
func TestAnotherPullRequestsFailureFailsTheSharedHead(t *testing.T) {
	f := sameHead(t)
	f.otherRun(t, forge.ConclusionFailure)
	run(t, reviewer(f), headSHA)
	c := f.lastCheck(t)
	if c.Conclusion != forge.ConclusionFailure || !strings.HasPrefix(c.Title, "Fails for #8 into release · ") ||
		!strings.HasPrefix(c.Summary, "**Fails:** this commit is also the head of #8 (into `release`), whose base branch's policy fails it.") {
		t.Errorf("run = %s %q:\n%s", c.Conclusion, c.Title, c.Summary)
	}
	if c.ExternalID != "acme/stack#7@"+headSHA+" success" {
		t.Errorf("external id %q, want #7's own verdict", c.ExternalID)
	}
}

// TestOwnFailureFailsTheOthersRuns: #7's base policy fails the commit; #8's
// run there, which passed, now fails naming #7.
func TestOwnFailureFailsTheOthersRuns(t *testing.T) {
	f := sameHead(t)
	delete(f.commits[baseSHA], policy.FileName)
	other := f.otherRun(t, forge.ConclusionSuccess)
	run(t, reviewer(f), headSHA)
	if c := f.lastCheck(t); c.Conclusion != forge.ConclusionFailure || strings.Contains(c.Summary, "also the head of") {
		t.Errorf("#7's run = %s %q", c.Conclusion, c.Title)
	}
	if other.Conclusion != forge.ConclusionFailure || !strings.HasPrefix(other.Title, "Fails for #7 into ") || !strings.Contains(other.Summary, "#8's summary") ||
		other.ExternalID != "acme/stack#8@"+headSHA+" success" {
		t.Errorf("#8's run = %s %q %q:\n%s", other.Conclusion, other.Title, other.ExternalID, other.Summary)
	}
}

// TestPullRequestThatMovedOnNoLongerCounts: #8 left the head; its
// failure there is no longer the commit's verdict, and one pull request at
// a head costs one call.
func TestPullRequestThatMovedOnNoLongerCounts(t *testing.T) {
	f := sameHead(t)
	f.otherRun(t, forge.ConclusionFailure)
	f.others[0].HeadSHA = "9e9e444444444444444444444444444444444444"
	run(t, reviewer(f), headSHA)
	if c := f.lastCheck(t); c.Conclusion != forge.ConclusionSuccess {
		t.Errorf("run = %s %q:\n%s", c.Conclusion, c.Title, c.Summary)
	}
	if n := f.count("OpenPullRequestsAt"); n != 1 {
		t.Errorf("%d calls for the pull requests at the head", n)
	}
}

// TestUntoldVerdictsFailClosed: a commit status keeps one verdict per
// commit, so another pull request's cannot be told from this one's.
func TestUntoldVerdictsFailClosed(t *testing.T) {
	f := sameHead(t)
	s := f.otherRun(t, forge.ConclusionSuccess)
	s.ExternalID = ""
	run(t, reviewer(f), headSHA)
	if c := f.lastCheck(t); c.Conclusion != forge.ConclusionFailure || !strings.Contains(c.Summary, "a commit status keeps one verdict for a commit") {
		t.Errorf("run = %s %q:\n%s", c.Conclusion, c.Title, c.Summary)
	}
}
