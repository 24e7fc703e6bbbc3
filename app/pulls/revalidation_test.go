package pulls_test

import (
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
)

// TestUnchangedRunCostsNoRateLimit: a bump run over repositories nothing
// changed in asks GitHub again conditionally and gets 304s, which do not
// count against the installation's primary rate limit; a repository that
// changed is answered in full and seen as changed.
func TestUnchangedRunCostsNoRateLimit(t *testing.T) {
	e := opened(t, newGitHubHub)
	fake := e.hub.(*githubHub).fake
	quiet, _ := e.hub.addRepo("acme", "quiet", stackFiles())

	// A whole run: the listing, then each repository.
	run := func(at time.Time) (outcomes []string, counted, sent int) {
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
	wantLines(t, "the first run", first(run(monday06.Add(7*24*time.Hour))),
		"quiet: opened "+minorBranch, "quiet: opened "+majorBranch,
		"stack: current "+minorBranch, "stack: current "+majorBranch)
	// The next reads quiet's pull requests, which the first opened.
	run(monday06.Add(14 * 24 * time.Hour))
	second, counted, sent := run(monday06.Add(21 * 24 * time.Hour))
	wantLines(t, "the run with nothing changed", second,
		"quiet: current "+minorBranch, "quiet: current "+majorBranch,
		"stack: current "+minorBranch, "stack: current "+majorBranch)
	if counted != 0 || sent != 12 {
		t.Errorf("a run with nothing changed: %d requests sent, %d counted against the installation's rate limit; want 12 (the App's installations, the installation's repositories, 5 per repository), the installation's answered 304, none counted",
			sent, counted)
	}

	// Someone changes quiet's compose file and closes stack's major pull
	// request: they are read in full, and seen.
	quiet.commitTo("main", "octocat", map[string]string{"compose.yaml": strings.Replace(composeFile, "the database", "the main database", 1)})
	e.repo.closePull(2)
	third, counted, _ := run(monday06.Add(28 * 24 * time.Hour))
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

func first(outcomes []string, _, _ int) []string { return outcomes }
