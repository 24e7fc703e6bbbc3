package pulls_test

import (
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

// wholeRun runs the flow as a scheduled run does, the listing then each
// repository, and returns the outcomes as "repo: action branch", how many
// requests were counted against the installation's primary rate limit
// and how many were sent.
func wholeRun(t *testing.T, e *env, fake *githubtest.Fake, at time.Time) (outcomes []string, counted, sent int) {
	t.Helper()
	used, requests := fake.RateLimitUsed(installation), e.requests()
	repos, err := e.runner.Repositories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, repo := range repos {
		res, err := e.runner.Repository(t.Context(), repo, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Outcomes {
			outcomes = append(outcomes, repo.Name+": "+string(o.Action)+" "+o.Branch)
		}
	}
	return outcomes, fake.RateLimitUsed(installation) - used, e.requests() - requests
}

func week(n int) time.Time { return monday06.Add(time.Duration(n) * 7 * 24 * time.Hour) }

// TestUnchangedRunCostsNoRateLimit: a bump run over repositories nothing
// changed in asks GitHub again conditionally and gets 304s, which do not
// count against the installation's primary rate limit; a repository that
// changed is answered in full and seen as changed.
func TestUnchangedRunCostsNoRateLimit(t *testing.T) {
	e := opened(t, newGitHubHub)
	fake := e.hub.(*githubHub).fake
	quiet, _ := e.hub.addRepo("acme", "quiet", stackFiles())

	first, _, _ := wholeRun(t, e, fake, week(1))
	wantLines(t, "the first run", first,
		"quiet: opened "+minorBranch, "quiet: opened "+majorBranch,
		"stack: current "+minorBranch, "stack: current "+majorBranch)
	// The next reads quiet's pull requests, which the first opened.
	wholeRun(t, e, fake, week(2))
	second, counted, sent := wholeRun(t, e, fake, week(3))
	wantLines(t, "the run with nothing changed", second,
		"quiet: current "+minorBranch, "quiet: current "+majorBranch,
		"stack: current "+minorBranch, "stack: current "+majorBranch)
	if counted != 0 || sent != 12 {
		t.Errorf("a run with nothing changed: %d requests sent, %d counted against the installation's rate limit; want 12 (the App's installations, the installation's repositories, 5 per repository), the installation's answered 304, none counted",
			sent, counted)
	}
	t.Logf("a run over 2 repositories with nothing changed: %d requests sent, %d counted against the installation's primary rate limit (%d without conditional requests)",
		sent, counted, sent-1)

	// Someone changes quiet's compose file and closes stack's major pull
	// request: they are read in full, and seen.
	quiet.commitTo("main", "octocat", map[string]string{"compose.yaml": strings.Replace(composeFile, "the database", "the main database", 1)})
	e.repo.closePull(2)
	third, counted, _ := wholeRun(t, e, fake, week(4))
	wantLines(t, "the run after changes", third,
		"quiet: updated "+minorBranch, "quiet: updated "+majorBranch,
		"stack: current "+minorBranch, "stack: ignored "+majorBranch)
	if counted == 0 {
		t.Error("a run reading changed repositories counted nothing against the rate limit")
	}
	if q, ok := e.hub.client().(forge.Quotas).Quota(e.target.Repo); !ok || q.Remaining != 5000-fake.RateLimitUsed(installation) || q.Limit != 5000 {
		t.Errorf("the client's quota of installation %d: %+v, %v; the fake used %d of 5000", installation, q, ok, fake.RateLimitUsed(installation))
	}
}

// TestNewTokenCountsAgain: GitHub's ETags belong to the token that read
// them, so once the installation token is refreshed (hourly) they no
// longer match, and every read counts again.
func TestNewTokenCountsAgain(t *testing.T) {
	e := newEnv(t, newGitHubHub, stackFiles(), stackTags)
	fake := e.hub.(*githubHub).fake
	fake.SetTokenLifetime(time.Minute) // a new token for every request
	wholeRun(t, e, fake, week(0))
	wholeRun(t, e, fake, week(1))
	outcomes, counted, sent := wholeRun(t, e, fake, week(2))
	wantLines(t, "the run with nothing changed", outcomes, "stack: current "+minorBranch, "stack: current "+majorBranch)
	if counted != 6 {
		t.Errorf("a run with nothing changed, a new token for each request: %d of %d requests counted; want the 6 reads of the installation (the tokens and the App's listing count on none)", counted, sent)
	}
	t.Logf("a run over 1 repository with nothing changed, a new installation token for each request: %d counted against the installation's primary rate limit", counted)
}
