package dashboard_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/dashboard"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/golden"
	"github.com/composeguard/composeguard/templates/markdowntest"
)

// allowed is the markup the dashboard writes itself.
var allowed = markdowntest.Allowed{
	Links:  []string{"https://github.com/composeguard/composeguard/blob/main/checks/README.md#"},
	HTML:   regexp.MustCompile(`^(<!-- composeguard:dashboard \{.*\} -->|<details><summary>Trend over the last \d+ changes?</summary>|</details>)$`),
	Inline: regexp.MustCompile(`^<!-- composeguard:box b\d+ -->$`),
}

// TestDashboardBody renders the dashboard of testdata/repo: its score and
// the trend since an earlier commit, findings by rule and file, the
// exception expiring within 30 days and the expired one (with a hostile
// reason each), the file the loader could not read, and a box per compose
// file to harden.
func TestDashboardBody(t *testing.T) {
	files := readRepo(t, "testdata/repo")
	e := newEnv(t, map[string]string{".composeguard.yml": files[".composeguard.yml"],
		"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n"})
	e.refresh()
	e.now = monday.Add(26 * time.Hour)
	e.repo.CommitTo("main", "octocat", files)
	e.refresh()
	body := e.issue().Body
	golden.Check(t, "testdata/dashboard_issue.md.golden", body)
	markdowntest.Check(t, "dashboard", body, allowed)
	for _, want := range []string{"| **Overall** |", "▼", "stacks/broken/compose.yaml", "2030-01-20", "2029-12-01",
		"open a hardening pull request for `compose.yaml`"} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "hardening pull request for `stacks/broken") {
		t.Error("a box offers to harden the file the loader could not read")
	}
}

const (
	optIn  = "dashboard: true\n"
	stack  = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n"
	better = "services:\n  web:\n    image: nginx:1.27\n    read_only: true\n    ports:\n      - \"127.0.0.1:8080:80\"\n"
)

// TestOneIssueEditedWhenItsContentChanges: an opted-in repository gets one
// issue; a refresh with nothing new writes nothing; a push that changes the
// score edits that issue in place, the trend growing.
func TestOneIssueEditedWhenItsContentChanges(t *testing.T) {
	e := newEnv(t, map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	if res := e.refresh(); !res.Created {
		t.Fatalf("first refresh: %+v, want the issue created", res)
	}
	first := e.issue()
	e.now = e.now.Add(time.Hour)
	writes := e.writes()
	if res := e.refresh(); res.Created || res.Edited || e.writes() != writes {
		t.Errorf("a refresh with nothing new: %+v, %d writes; want none", res, e.writes()-writes)
	}
	e.repo.CommitTo("main", "octocat", map[string]string{".composeguard.yml": optIn, "compose.yaml": better})
	if res := e.refresh(); !res.Edited || res.Issue != first.Number {
		t.Errorf("after a push: %+v, want #%d edited", res, first.Number)
	}
	after := e.issue()
	if after.Number != first.Number || after.Body == first.Body || !strings.Contains(after.Body, "▲") ||
		!strings.Contains(after.Body, "Trend over the last 2 changes") {
		t.Errorf("the dashboard after a push that raises the score:\n%s", after.Body)
	}
}

// TestNotOptedIn: without dashboard: true on the default branch, no issue;
// a pull request's policy changes nothing, only the default branch's is read.
func TestNotOptedIn(t *testing.T) {
	e := newEnv(t, map[string]string{"compose.yaml": stack})
	e.repo.CommitTo("feature", "mallory", map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	if res := e.refresh(); res.Skipped == "" || len(e.repo.Issues()) != 0 {
		t.Errorf("a repository that did not opt in: %+v, %d issues", res, len(e.repo.Issues()))
	}
}

// TestTickingHardenOpensThePullRequest: a box ticked in the browser opens
// the file's hardening pull request once, and the refresh unticks it.
func TestTickingHardenOpensThePullRequest(t *testing.T) {
	e := newEnv(t, map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	e.refresh()
	is := e.issue()
	e.repo.EditIssue(is.Number, tick(t, is.Body, "hardening pull request for `compose.yaml`"))
	res := e.refresh()
	if len(res.Done) != 1 || !strings.HasPrefix(res.Done[0], "harden compose.yaml: opened") {
		t.Errorf("done: %v", res.Done)
	}
	pulls := e.repo.Pulls()
	if len(pulls) != 1 || pulls[0].HeadRef != "composeguard/harden-compose.yaml" || pulls[0].Closed {
		t.Fatalf("pull requests: %+v, want the hardening one", pulls)
	}
	if body := e.issue().Body; tickedBox.MatchString(body) {
		t.Errorf("the box is still ticked:\n%s", body)
	}
	if res := e.refresh(); len(res.Done) != 0 || len(e.repo.Pulls()) != 1 {
		t.Errorf("a refresh after the box was unticked acted again: %v", res.Done)
	}
}

// TestForeignIssuesAreNotTheDashboard: an issue a person opened with the
// dashboard's title and marker, boxes ticked, is neither edited nor acted
// on; the server opens its own.
func TestForeignIssuesAreNotTheDashboard(t *testing.T) {
	e := newEnv(t, map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	e.refresh()
	forged := tick(t, e.issue().Body, "hardening pull request")
	e2 := newEnv(t, map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	n := e2.repo.AddIssue("mallory", "composeguard dashboard", forged)
	e2.refresh()
	e2.refresh()
	var ours int
	for _, is := range e2.repo.Issues() {
		switch {
		case is.Number == n && (is.Body != forged || is.Edits != 0):
			t.Errorf("the forged issue was edited:\n%s", is.Body)
		case is.Number != n && is.User == "composeguard[bot]":
			ours++
		}
	}
	if ours != 1 || len(e2.repo.Pulls()) != 0 {
		t.Errorf("%d issues of the server's, %d pull requests; want its own dashboard and no pull request", ours, len(e2.repo.Pulls()))
	}
}

// TestClosedDashboardIsLeftClosed: a person closing the dashboard stops
// its updates; no second issue is opened.
func TestClosedDashboardIsLeftClosed(t *testing.T) {
	e := newEnv(t, map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	e.refresh()
	e.repo.CloseIssue(e.issue().Number)
	e.repo.CommitTo("main", "octocat", map[string]string{".composeguard.yml": optIn, "compose.yaml": better})
	writes := e.writes()
	if res := e.refresh(); res.Skipped == "" || e.writes() != writes || len(e.dashboards()) != 1 {
		t.Errorf("after the dashboard was closed: %+v, %d writes, %d dashboards", res, e.writes()-writes, len(e.dashboards()))
	}
}

// TestTickingOpenUpdateNow: an image update the repository's schedule
// holds back is listed with a box; ticking it opens its pull request now,
// and the update leaves the list, the other one staying.
func TestTickingOpenUpdateNow(t *testing.T) {
	e := newEnv(t, map[string]string{".composeguard.yml": optIn + "bump:\n  schedule: \"0 6 * * 3\"\n",
		"compose.yaml": "services:\n  db:\n    image: postgres:16.4\n"})
	e.refresh()
	// Listing the updates plans on the head and files the dashboard read.
	for _, read := range []string{"GET /repos/{owner}/{repo}/branches/{branch...}", "GET /repos/{owner}/{repo}/git/trees/{tree_sha}"} {
		if n := e.fake.Count(read); n != 1 {
			t.Errorf("a refresh made %d requests %s, want 1", n, read)
		}
	}
	is := e.issue()
	if !strings.Contains(is.Body, "| Update postgres to 16.6 | `composeguard/postgres-16.x` | outside its schedule") {
		t.Fatalf("the update waiting is not listed:\n%s", is.Body)
	}
	e.repo.EditIssue(is.Number, tick(t, is.Body, "open this update now despite the schedule: `composeguard/postgres-16.x`"))
	if res := e.refresh(); len(res.Done) != 1 || !strings.HasPrefix(res.Done[0], "open composeguard/postgres-16.x: opened") {
		t.Errorf("done: %v", res.Done)
	}
	if pulls := e.repo.Pulls(); len(pulls) != 1 || pulls[0].HeadRef != "composeguard/postgres-16.x" {
		t.Errorf("pull requests: %+v, want postgres 16's update", pulls)
	}
	if body := e.issue().Body; tickedBox.MatchString(body) || strings.Contains(body, "`composeguard/postgres-16.x` |") ||
		!strings.Contains(body, "`composeguard/postgres-17` |") {
		t.Errorf("after the update was opened:\n%s", body)
	}
}

// TestOneIssueWhereTheAuthorFilterMissesBots: on a forge whose issue
// listing cannot filter by a bot author (GitHub Enterprise Cloud), the
// issue the database recorded is read directly, so refreshes edit it
// rather than open another each time.
func TestOneIssueWhereTheAuthorFilterMissesBots(t *testing.T) {
	e := newEnv(t, map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	e.fake.MissBotCreators()
	e.refresh()
	e.repo.CommitTo("main", "octocat", map[string]string{".composeguard.yml": optIn, "compose.yaml": better})
	if res := e.refresh(); !res.Edited {
		t.Errorf("after a push: %+v, want the issue edited", res)
	}
	e.issue()
}

// TestOneIssueWhileAnotherRefreshOpensIt: a refresh that finds another
// opening the dashboard opens none and asks to be retried; once that one
// recorded its issue, the retry edits it.
func TestOneIssueWhileAnotherRefreshOpensIt(t *testing.T) {
	e := newEnv(t, map[string]string{".composeguard.yml": optIn, "compose.yaml": stack})
	if ok, err := e.store.ClaimDashboardIssue(t.Context(), e.target.Repo, 0); !ok || err != nil {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	_, err := e.runner.Repository(t.Context(), e.target)
	var retry *forge.RetryableError
	if !errors.As(err, &retry) || len(e.repo.Issues()) != 0 {
		t.Fatalf("beside a refresh opening the dashboard: %v, %d issues; want a retry and none opened", err, len(e.repo.Issues()))
	}
	n := e.repo.AddIssue(githubtest.AppLogin, dashboard.Title, "<!-- composeguard:dashboard {} -->")
	if err := e.store.SaveDashboardIssue(t.Context(), e.target.Repo, n, ""); err != nil {
		t.Fatal(err)
	}
	if res := e.refresh(); res.Created || !res.Edited || res.Issue != n {
		t.Errorf("the retry: %+v, want #%d edited", res, n)
	}
}
