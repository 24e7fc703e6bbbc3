package pulls_test

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
)

const (
	minorBranch = "composeguard/postgres-16.x"
	majorBranch = "composeguard/postgres-17"
	composeFile = "services:\n  db:\n    image: postgres:16.2   # the database\n  web:\n    image: \"nginx:1.25.5\"\n"
	// A digest rule that weighs makes the pinned update raise the score.
	pinningPolicy = "options:\n  require_digest: true\nrules:\n  image-digest-not-pinned: medium\nbump:\n  rules:\n    - images: [postgres]\n      pin_digests: true\n"
)

var stackTags = map[string][]string{
	"library/postgres": {"16.2", "16.3", "16.4", "17.0", "17.1"},
	"library/nginx":    {"1.25.4", "1.25.5"},
}

func stackFiles() map[string]string {
	return map[string]string{"compose.yaml": composeFile, policy.FileName: pinningPolicy}
}

// opened is acme/stack after a first run opened the minor and the major
// pull requests of postgres.
func opened(t *testing.T, on func(*testing.T) hub) *env {
	t.Helper()
	e := newEnv(t, on, stackFiles(), stackTags)
	wantLines(t, "first run", e.run(monday06),
		"opened "+minorBranch+" #1",
		"opened "+majorBranch+" #2")
	return e
}

func TestOpensPullRequestForDueUpdate(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, stackFiles(), stackTags)
		digest := e.reg.Push(t, "library/postgres", "16.4", map[string]string{"org.opencontainers.image.source": "https://github.com/docker-library/postgres"})
		main := e.repo.branch("main")
		wantLines(t, "first run", e.run(monday06),
			"opened "+minorBranch+" #1",
			"opened "+majorBranch+" #2")
		opening := e.hub.requests()

		pr := e.pull(1)
		if pr.Title != "Update postgres to 16.4" || pr.HeadRef != minorBranch || pr.BaseRef != "main" ||
			pr.User != e.hub.login() || strings.Join(pr.Labels, ",") != "dependencies" {
			t.Errorf("pull request #1 = %q from %s into %s by %s, labels %v", pr.Title, pr.HeadRef, pr.BaseRef, pr.User, pr.Labels)
		}
		if e.hub.kind() == forge.GitLab && !pr.RemovesBranch {
			t.Error("the merge request keeps its branch when merged: want remove_source_branch")
		}
		commit := e.repo.commit(e.repo.branch(minorBranch))
		wantFile := strings.Replace(composeFile, "postgres:16.2 ", "postgres:16.4@"+digest+" ", 1)
		if got := commit.Files["compose.yaml"]; got != wantFile {
			t.Errorf("compose.yaml on the branch:\n%s\nwant only the tag and digest changed:\n%s", got, wantFile)
		}
		if len(commit.Parents) != 1 || commit.Parents[0] != main || commit.Verified != e.hub.signs() || commit.Author != e.hub.login() ||
			!strings.HasPrefix(commit.Message, "Update postgres to 16.4\n\n") || !strings.HasSuffix(commit.Message, "\nComposeguard-Bump: "+minorBranch+"\n") {
			t.Errorf("branch commit = %+v: want one commit by %s on main's head %s (signed where the forge signs), with the trailer", commit, e.hub.login(), main)
		}

		before := audit.Run(t.Context(), snapshot(e.repo.commit(main).Files), policy.Parse(policy.FileName, []byte(pinningPolicy)), e.now).Score
		after := audit.Run(t.Context(), snapshot(commit.Files), policy.Parse(policy.FileName, []byte(pinningPolicy)), e.now).Score
		if before.ImageSecurity >= after.ImageSecurity {
			t.Fatalf("pinning postgres should raise Image Security: %v → %v", before.ImageSecurity, after.ImageSecurity)
		}
		short := strings.TrimPrefix(digest, "sha256:")[:7]
		for _, want := range []string{
			"This pull request updates the pinned `postgres` image in the compose files:",
			"| `compose.yaml:3` | `db` | `postgres` | `16.2` → `16.4@" + short + "` | minor |",
			"- `postgres` `16.4`: [github.com/docker-library/postgres releases](https://github.com/docker-library/postgres/releases)",
			fmt.Sprintf("| Image Security | %.1f | %.1f |", before.ImageSecurity, after.ImageSecurity),
			fmt.Sprintf("| **Overall** | **%.1f** | **%.1f** |", before.Overall, after.Overall),
			"composeguard will not propose `postgres 16.4` again",
			"<!-- composeguard:bump {",
		} {
			if !strings.Contains(pr.Body, want) {
				t.Errorf("no %q in the body:\n%s", want, pr.Body)
			}
		}
		if major := e.pull(2); major.Title != "Update postgres to 17.1" || strings.Contains(major.Body, "Release notes") {
			t.Errorf("pull request #2 = %q, want the major update, without release notes (no source label):\n%s", major.Title, major.Body)
		}

		// Nothing changed: the next run writes nothing.
		n := e.requests()
		wantLines(t, "second run", e.run(monday06.Add(7*24*time.Hour)),
			"current "+minorBranch+" #1",
			"current "+majorBranch+" #2")
		wantLines(t, "writes of the second run", e.writes(n))
		t.Logf("%s: a run opening 2 pull requests: %d requests (%d writes: %q); a run with nothing to do: %d requests",
			e.hub.kind(), len(opening), len(e.writes(0)), e.writes(0), e.requests()-n)
	})
}

func snapshot(files map[string]string) compose.MapSnapshot {
	s := compose.MapSnapshot{}
	for p, c := range files {
		s[p] = []byte(c)
	}
	return s
}

func TestNewerVersionUpdatesThePullRequestInPlace(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := opened(t, on)
		first := e.repo.branch(minorBranch)
		digest := e.reg.Push(t, "library/postgres", "16.5", nil)
		n := e.requests()

		wantLines(t, "run after 16.5 appeared", e.run(monday06.Add(time.Hour)),
			"updated "+minorBranch+" #1",
			"current "+majorBranch+" #2")
		pr := e.pull(1)
		if pr.Title != "Update postgres to 16.5" || !strings.Contains(pr.Body, "`16.2` → `16.5@") || !strings.Contains(pr.Body, "propose `postgres 16.5` again") {
			t.Errorf("pull request #1 = %q:\n%s", pr.Title, pr.Body)
		}
		rebuilt := e.repo.commit(e.repo.branch(minorBranch))
		if e.repo.branch(minorBranch) == first || rebuilt.Parents[0] != e.repo.branch("main") ||
			!strings.Contains(rebuilt.Files["compose.yaml"], "postgres:16.5@"+digest) {
			t.Errorf("branch not rebuilt on main with 16.5: %+v", rebuilt)
		}
		wantLines(t, "writes", e.writes(n), map[forge.Kind][]string{
			forge.GitHub: {
				"POST /repos/acme/stack/git/trees",
				"POST /repos/acme/stack/git/commits",
				"PATCH /repos/acme/stack/git/refs/heads/" + minorBranch,
				"PATCH /repos/acme/stack/pulls/1"},
			forge.GitLab: {
				"POST /api/v4/projects/acme%2Fstack/repository/commits",
				"PUT /api/v4/projects/acme%2Fstack/merge_requests/1"},
		}[e.hub.kind()]...)
		for _, r := range e.hub.requests()[n:] {
			if moves := strings.Contains(r.line, "/git/refs/") || strings.HasSuffix(r.line, "/repository/commits"); moves && r.write && !strings.Contains(string(r.body), `"force":true`) {
				t.Errorf("the branch was moved without force: %s %s", r.line, r.body)
			}
		}
		if len(e.repo.pulls()) != 2 {
			t.Errorf("%d pull requests, want still 2", len(e.repo.pulls()))
		}
	})
}

func TestBaseMovedRebuildsTheBranch(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := opened(t, on)
		moved := e.repo.commitTo("main", "alice", map[string]string{"README.md": "# stack\n"})
		wantLines(t, "run after main moved", e.run(monday06.Add(time.Hour)),
			"updated "+minorBranch+" #1",
			"updated "+majorBranch+" #2")
		for _, b := range []string{minorBranch, majorBranch} {
			if c := e.repo.commit(e.repo.branch(b)); c.Parents[0] != moved || c.Files["README.md"] != "# stack\n" {
				t.Errorf("%s not rebuilt on main's new head: parents %v", b, c.Parents)
			}
		}
	})
}

func TestClosedPullRequestIsRemembered(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := opened(t, on)
		e.repo.closePull(1) // a person declines 16.4
		n := e.requests()
		wantLines(t, "run after the person closed #1", e.run(monday06.Add(time.Hour)),
			"ignored "+minorBranch+" #1",
			"current "+majorBranch+" #2")
		wantLines(t, "writes", e.writes(n))

		// Official images republish a tag with a new digest: still declined.
		e.reg.Push(t, "library/postgres", "16.4", nil)
		wantLines(t, "run after 16.4 was republished", e.run(monday06.Add(2*time.Hour)),
			"ignored "+minorBranch+" #1",
			"current "+majorBranch+" #2")

		e.reg.Push(t, "library/postgres", "16.5", nil)
		wantLines(t, "run after 16.5 appeared", e.run(monday06.Add(3*time.Hour)),
			"opened "+minorBranch+" #3",
			"current "+majorBranch+" #2")
		if pr := e.pull(3); pr.Title != "Update postgres to 16.5" || pr.HeadRef != minorBranch {
			t.Errorf("pull request #3 = %q from %s", pr.Title, pr.HeadRef)
		}
		if !e.pull(1).Closed {
			t.Error("the closed pull request was reopened")
		}
	})
}

func TestUpdatedByHandClosesThePullRequest(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := opened(t, on)
		e.repo.commitTo("main", "alice", map[string]string{"compose.yaml": strings.Replace(composeFile, "16.2", "16.4", 1)})
		wantLines(t, "run after postgres was moved to 16.4 by hand", e.run(monday06.Add(time.Hour)),
			"closed "+minorBranch+" #1",
			"updated "+majorBranch+" #2")
		pr := e.pull(1)
		if !pr.Closed || pr.Title != "Update postgres to 16.4 - autoclosed" {
			t.Errorf("pull request #1: closed=%t %q, want closed and marked autoclosed", pr.Closed, pr.Title)
		}
		comments := e.repo.comments(1)
		if len(comments) != 1 || !strings.Contains(comments[0], "no update is due any more for `postgres`") {
			t.Errorf("closing comments = %q", comments)
		}
		// Closed by composeguard, not declined: the versions stay proposable.
		e.repo.commitTo("main", "alice", map[string]string{"compose.yaml": composeFile})
		wantLines(t, "run after postgres went back to 16.2", e.run(monday06.Add(2*time.Hour)),
			"opened "+minorBranch+" #3",
			"updated "+majorBranch+" #2")
	})
}

func TestForeignCommitIsNeverForcePushed(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := opened(t, on)
		theirs := e.repo.commitTo(minorBranch, "alice", map[string]string{"compose.yaml": strings.Replace(composeFile, "16.2", "16.3", 1)})
		e.reg.Push(t, "library/postgres", "16.5", nil)
		n := e.requests()
		wantLines(t, "run after alice pushed to the branch", e.run(monday06.Add(time.Hour)),
			"left-alone "+minorBranch+" #1",
			"current "+majorBranch+" #2")
		if e.repo.branch(minorBranch) != theirs || e.pull(1).Title != "Update postgres to 16.4" {
			t.Error("the branch or the pull request someone else pushed to was changed")
		}
		for _, w := range e.writes(n) {
			if strings.Contains(w, "/git/refs/") || strings.Contains(w, "/pulls/1") {
				t.Errorf("wrote %s", w)
			}
		}
		// No longer needed either: still left alone, not closed.
		e.repo.commitTo("main", "bob", map[string]string{"compose.yaml": strings.Replace(composeFile, "16.2", "16.5", 1)})
		wantLines(t, "run once postgres is current on main", e.run(monday06.Add(2*time.Hour)),
			"left-alone "+minorBranch+" #1",
			"updated "+majorBranch+" #2")
		if e.pull(1).Closed {
			t.Error("a pull request with someone else's commits was closed")
		}
	})
}

// A commit is composeguard's only when it is by the bot, signed by the forge
// where the forge signs the bot's commits, and carries the trailer: a
// commit passing for composeguard's in all but one of these is someone
// else's.
func TestCommitPassingForComposeguardsIsNeverForcePushed(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		// Each forge's fake has three ways to pass for composeguard but one.
		for i := range 3 {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				e := opened(t, on)
				impostor := e.repo.impostors()[i]
				t.Log(impostor.name)
				ours := e.repo.commit(e.repo.branch(minorBranch))
				if ours.Author != e.hub.login() || ours.Verified != e.hub.signs() || !strings.Contains(ours.Message, "\nComposeguard-Bump: ") {
					t.Fatalf("composeguard's own commit is %+v", ours)
				}
				theirs := impostor.push(minorBranch, ours.Message, map[string]string{"compose.yaml": strings.Replace(composeFile, "16.2", "16.3", 1)})
				e.reg.Push(t, "library/postgres", "16.5", nil)
				wantLines(t, "run after the push", e.run(monday06.Add(time.Hour)),
					"left-alone "+minorBranch+" #1",
					"current "+majorBranch+" #2")
				if e.repo.branch(minorBranch) != theirs {
					t.Error("the branch was rebuilt over the pushed commit")
				}
			})
		}
	})
}

func TestFailingRegistryClosesNothing(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		for _, status := range []int{http.StatusTooManyRequests, http.StatusInternalServerError} {
			t.Run(http.StatusText(status), func(t *testing.T) {
				e := opened(t, on)
				e.useRegistry("docker.io", bumptest.Failing(t, status))
				n := e.requests()
				wantLines(t, "run with the registry failing", e.run(monday06.Add(time.Hour)),
					"kept "+majorBranch+" #2",
					"kept "+minorBranch+" #1")
				wantLines(t, "writes", e.writes(n))
			})
		}
	})
}

func TestRateLimits(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		files := map[string]string{
			policy.FileName: "bump:\n",
			"compose.yaml": "services:\n" +
				"  a:\n    image: postgres:16.2\n" +
				"  b:\n    image: nginx:1.25.4\n" +
				"  c:\n    image: redis:7.2\n" +
				"  d:\n    image: traefik:v3.1\n",
		}
		tags := map[string][]string{
			"library/postgres": {"16.2", "16.4"}, "library/nginx": {"1.25.4", "1.25.5"},
			"library/redis": {"7.2", "7.4"}, "library/traefik": {"v3.1", "v3.2"},
		}

		t.Run("hourly", func(t *testing.T) {
			e := newEnv(t, on, files, tags)
			wantLines(t, "first run: two an hour", e.run(monday06),
				"opened composeguard/nginx-1.x #1",
				"opened composeguard/postgres-16.x #2",
				"rate-limited composeguard/redis-7.x #0",
				"rate-limited composeguard/traefik-3.x #0")
			for _, p := range e.repo.pulls() {
				e.repo.setPullCreated(p.Number, e.now.Add(-time.Minute))
			}
			e.now = e.now.Add(10 * time.Minute)
			wantLines(t, "same hour", e.run(monday06),
				"current composeguard/nginx-1.x #1",
				"current composeguard/postgres-16.x #2",
				"rate-limited composeguard/redis-7.x #0",
				"rate-limited composeguard/traefik-3.x #0")
			e.now = e.now.Add(time.Hour)
			wantLines(t, "next hour", e.run(monday06.Add(time.Hour)),
				"current composeguard/nginx-1.x #1",
				"current composeguard/postgres-16.x #2",
				"opened composeguard/redis-7.x #3",
				"opened composeguard/traefik-3.x #4")
		})
		t.Run("concurrent", func(t *testing.T) {
			limited := map[string]string{policy.FileName: "bump:\n  pr_hourly_limit: 0\n  pr_concurrent_limit: 3\n", "compose.yaml": files["compose.yaml"]}
			e := newEnv(t, on, limited, tags)
			wantLines(t, "first run: three open at most", e.run(monday06),
				"opened composeguard/nginx-1.x #1",
				"opened composeguard/postgres-16.x #2",
				"opened composeguard/redis-7.x #3",
				"rate-limited composeguard/traefik-3.x #0")
			e.repo.closePull(1)
			wantLines(t, "a slot freed", e.run(monday06.Add(time.Hour)),
				"ignored composeguard/nginx-1.x #1",
				"current composeguard/postgres-16.x #2",
				"current composeguard/redis-7.x #3",
				"opened composeguard/traefik-3.x #4")
		})
	})
}

func TestRepositoriesNotOptedInOrNotScheduled(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, map[string]string{"compose.yaml": composeFile}, stackTags)
		wantLines(t, "no bump: section", e.run(monday06), "skipped: no bump: section in .composeguard.yml")

		e = newEnv(t, on, map[string]string{"compose.yaml": composeFile, policy.FileName: "bump:\n  schedule: \"0 6 * * 3\"\n"}, stackTags)
		wantLines(t, "Monday, scheduled for Wednesday", e.run(monday06), `skipped: outside its schedule "0 6 * * 3"`)
		wantLines(t, "writes on Monday", e.writes(0))
		wantLines(t, "Wednesday 06:00", e.run(monday06.Add(2*24*time.Hour)),
			"opened "+minorBranch+" #1",
			"opened "+majorBranch+" #2")
	})
}

func TestGroupOfImages(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		files := map[string]string{
			policy.FileName: "bump:\n  rules:\n    - images: [postgres, ghcr.io/acme/*]\n      group: databases\n",
			"compose.yaml":  "services:\n  db:\n    image: postgres:16.2\n  cache:\n    image: ghcr.io/acme/redis:7.2\n",
		}
		e := newEnv(t, on, files, map[string][]string{"library/postgres": {"16.2", "16.4"}, "acme/redis": {"7.2", "7.4"}})
		wantLines(t, "first run", e.run(monday06), "opened composeguard/databases #1")
		pr := e.pull(1)
		for _, want := range []string{"| `compose.yaml:3` | `db` | `postgres` | `16.2` → `16.4` | minor |",
			"| `compose.yaml:5` | `cache` | `ghcr.io/acme/redis` | `7.2` → `7.4` | minor |",
			"will not propose `postgres 16.4`, `ghcr.io/acme/redis 7.4` again"} {
			if !strings.Contains(pr.Body, want) {
				t.Errorf("no %q in the body:\n%s", want, pr.Body)
			}
		}
		if pr.Title != "Update databases" {
			t.Errorf("title %q", pr.Title)
		}
		// One registry of the group fails: the pull request keeps both images.
		e.useRegistry("ghcr.io", bumptest.Failing(t, http.StatusServiceUnavailable))
		e.repo.commitTo("main", "alice", map[string]string{"README.md": "moved\n"})
		wantLines(t, "run with ghcr.io failing", e.run(monday06.Add(time.Hour)), "kept composeguard/databases #1")
		if c := e.repo.commit(e.repo.branch("composeguard/databases")); !strings.Contains(c.Files["compose.yaml"], "redis:7.4") {
			t.Errorf("the group lost redis:\n%s", c.Files["compose.yaml"])
		}
	})
}

// A forge failing or rate limiting halfway (the branch made, the pull
// request not opened) fails the repository for the job to retry, when the
// forge says; the retry opens the pull request on the branch already made.
func TestRetryAfterTheForgeFailedHalfway(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		for _, limited := range []time.Duration{0, 30 * time.Second} {
			e := newEnv(t, on, stackFiles(), stackTags)
			e.hub.failOpening(limited)
			var retry *forge.RetryableError
			if _, err := e.runner.Repository(t.Context(), e.target, monday06); !errors.As(err, &retry) || retry.After != limited {
				t.Fatalf("run with the forge failing (rate limited for %v): %v, want it to come back for a retry then", limited, err)
			}
			if e.repo.branch(minorBranch) == "" || len(e.repo.pulls()) != 0 {
				t.Fatalf("want the branch made and no pull request yet")
			}
			wantLines(t, "the retry", e.run(monday06),
				"opened "+minorBranch+" #1",
				"opened "+majorBranch+" #2")
		}
	})
}

func TestMergedIsNotDeclined(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := opened(t, on)
		e.repo.mergePull(1)
		wantLines(t, "run after #1 was merged", e.run(monday06.Add(time.Hour)),
			"updated "+majorBranch+" #2")
		e.repo.commitTo("main", "alice", map[string]string{"compose.yaml": composeFile})
		wantLines(t, "run after postgres went back to 16.2", e.run(monday06.Add(2*time.Hour)),
			"opened "+minorBranch+" #3",
			"updated "+majorBranch+" #2")
	})
}
