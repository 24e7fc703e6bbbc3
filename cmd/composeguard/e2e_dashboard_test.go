package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

// The security dashboard end to end: a server on each fake forge, driven by
// push and issue deliveries shaped like the forge's.

const (
	dashboardPolicy = "dashboard: true\n"
	dashboardStack  = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n"
	dashboardBetter = "services:\n  web:\n    image: nginx:1.27\n    read_only: true\n    ports:\n      - \"127.0.0.1:8080:80\"\n"
	dashboardTitle  = "composeguard dashboard"
	hardenBox       = "open a hardening pull request for `compose.yaml`"
)

// dashboardIssue is an issue as a fake forge holds it.
type dashboardIssue struct {
	Number      int
	Title, Body string
	Author      string
	Edits       int
}

// dashboardSide is one forge's fake, its server and how a person acts on
// it.
type dashboardSide struct {
	login string
	// commit commits files to main as a person and delivers the push.
	commit func(t *testing.T, files map[string]string)
	issues func() []dashboardIssue
	// edit edits an issue's body as user and delivers the edit.
	edit     func(t *testing.T, number int, user, body string)
	addIssue func(user, body string) int
	// pulls are the head branches of the open pull requests.
	pulls func() []string
	idle  func(t testing.TB)
}

func githubDashboardSide(t *testing.T) *dashboardSide {
	e := startE2E(t)
	pushes := 0
	return &dashboardSide{
		login: githubtest.AppLogin,
		commit: func(t *testing.T, files map[string]string) {
			sha := e.repo.CommitTo("main", "octocat", files)
			doc := fixture(t, "push.json")
			doc["after"] = sha
			pushes++
			if code := e.send(t, "push", "", marshal(t, doc)); code != http.StatusAccepted {
				t.Fatalf("push: %d, want 202", code)
			}
		},
		issues: func() []dashboardIssue {
			var out []dashboardIssue
			for _, is := range e.repo.Issues() {
				out = append(out, dashboardIssue{is.Number, is.Title, is.Body, is.User, is.Edits})
			}
			return out
		},
		edit: func(t *testing.T, number int, user, body string) {
			e.repo.EditIssue(number, body)
			doc := fixture(t, "issues.edited.json")
			issue := object(doc["issue"])
			issue["number"], issue["body"] = number, body
			issue["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
			object(doc["sender"])["login"] = user
			// The issue's author as GitHub names it: only the App's bot
			// can have written the server's dashboard.
			author, want := object(issue["user"]), http.StatusAccepted
			for _, is := range e.repo.Issues() {
				if is.Number == number && is.User != githubtest.AppLogin {
					author["login"], author["type"], want = is.User, "User", http.StatusNoContent
				}
			}
			if code := e.send(t, "issues", "", marshal(t, doc)); code != want {
				t.Fatalf("issues edited: %d, want %d", code, want)
			}
		},
		addIssue: func(user, body string) int { return e.repo.AddIssue(user, dashboardTitle, body) },
		pulls: func() []string {
			var out []string
			for _, p := range e.repo.Pulls() {
				if !p.Closed {
					out = append(out, p.HeadRef)
				}
			}
			return out
		},
		idle: e.reviewed,
	}
}

func gitlabDashboardSide(t *testing.T) *dashboardSide {
	e := startGitLabE2E(t)
	project := map[string]any{"path_with_namespace": e2eGitLabProject, "default_branch": "main"}
	return &dashboardSide{
		login: e2eGitLabBot,
		commit: func(t *testing.T, files map[string]string) {
			sha := e.project.CommitTo("main", "alice", files)
			doc := fixture(t, "gitlab_push.json")
			doc["after"], doc["checkout_sha"], doc["project"] = sha, sha, project
			if code := e.deliverEvent(t, "Push Hook", e2eGitLabSecret, "", marshal(t, doc)); code != http.StatusAccepted {
				t.Fatalf("push: %d, want 202", code)
			}
		},
		issues: func() []dashboardIssue {
			var out []dashboardIssue
			for _, is := range e.project.Issues() {
				out = append(out, dashboardIssue{int(is.IID), is.Title, is.Description, is.Author, is.Edits})
			}
			return out
		},
		edit: func(t *testing.T, number int, user, body string) {
			e.project.EditIssue(int64(number), body)
			doc := fixture(t, "gitlab_issue.json")
			doc["project"] = project
			attrs := object(doc["object_attributes"])
			attrs["iid"], attrs["description"] = number, body
			attrs["updated_at"] = time.Now().UTC().Format(time.RFC3339Nano)
			// GitLab names no bot: the server tells its dashboard by the
			// issue it recorded, and answers an edit of any other 204.
			want := http.StatusAccepted
			for _, is := range e.project.Issues() {
				if int(is.IID) == number && is.Author != e2eGitLabBot {
					want = http.StatusNoContent
				}
			}
			if code := e.deliverEvent(t, "Issue Hook", e2eGitLabSecret, "", marshal(t, doc)); code != want {
				t.Fatalf("issue update: %d, want %d", code, want)
			}
		},
		addIssue: func(user, body string) int { return int(e.project.AddIssue(user, dashboardTitle, body)) },
		pulls: func() []string {
			var out []string
			for _, mr := range e.project.MergeRequests() {
				if !mr.Closed {
					out = append(out, mr.SourceBranch)
				}
			}
			return out
		},
		idle: e.reviewed,
	}
}

// TestE2EDashboard: opting in creates exactly one issue; a push with
// nothing new edits nothing; a push that raises the score edits the body;
// ticking "open a hardening pull request" opens it and unticks the box; an
// issue carrying the marker that someone else opened is ignored.
func TestE2EDashboard(t *testing.T) {
	for name, side := range map[string]func(*testing.T) *dashboardSide{"GitHub": githubDashboardSide, "GitLab": gitlabDashboardSide} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dashboardScenario(t, side(t))
		})
	}
}

func dashboardScenario(t *testing.T, s *dashboardSide) {
	ours := func() []dashboardIssue {
		var out []dashboardIssue
		for _, is := range s.issues() {
			if is.Author == s.login && is.Title == dashboardTitle {
				out = append(out, is)
			}
		}
		return out
	}
	one := func(what string) dashboardIssue {
		t.Helper()
		s.idle(t)
		d := ours()
		if len(d) != 1 {
			t.Fatalf("%s: %d dashboard issues, want 1", what, len(d))
		}
		return d[0]
	}

	s.commit(t, map[string]string{".composeguard.yml": dashboardPolicy, "compose.yaml": dashboardStack})
	first := one("after opting in")

	s.commit(t, map[string]string{".composeguard.yml": dashboardPolicy, "compose.yaml": dashboardStack, "README.md": "# stack\n"})
	if again := one("after a push that changes nothing it shows"); again.Edits != 0 || again.Body != first.Body {
		t.Errorf("the dashboard was edited %d times by a push that changed nothing it shows", again.Edits)
	}

	s.commit(t, map[string]string{".composeguard.yml": dashboardPolicy, "compose.yaml": dashboardBetter})
	raised := one("after a push that raises the score")
	if raised.Number != first.Number || raised.Body == first.Body || !strings.Contains(raised.Body, "▲") {
		t.Errorf("after a push that raises the score, #%d (was #%d):\n%s", raised.Number, first.Number, raised.Body)
	}

	s.edit(t, raised.Number, "alice", tickBox(t, raised.Body, hardenBox))
	unticked := one("after ticking the hardening box")
	if pulls := s.pulls(); !slices.Equal(pulls, []string{"composeguard/harden-compose.yaml"}) {
		t.Errorf("open pull requests %v, want the hardening one", pulls)
	}
	if strings.Contains(unticked.Body, "- [x]") || !strings.Contains(unticked.Body, "- [ ] <!-- composeguard:box") {
		t.Errorf("the box was not unticked:\n%s", unticked.Body)
	}

	// Someone else's issue with the marker and the box ticked.
	forged := tickBox(t, unticked.Body, hardenBox)
	n := s.addIssue("mallory", unticked.Body)
	s.edit(t, n, "mallory", forged)
	one("after someone else's issue was ticked")
	for _, is := range s.issues() {
		if is.Number == n && (is.Body != forged || is.Edits != 0) {
			t.Errorf("someone else's issue was written to (%d edits):\n%s", is.Edits, is.Body)
		}
	}
	if pulls := s.pulls(); len(pulls) != 1 {
		t.Errorf("open pull requests %v after someone else's issue was ticked, want the one hardening pull request", pulls)
	}
}

// tickBox ticks the box whose line mentions text, as a person does.
func tickBox(t *testing.T, body, text string) string {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "- [ ] ") && strings.Contains(line, text) {
			return strings.Replace(body, line, "- [x] "+strings.TrimPrefix(line, "- [ ] "), 1)
		}
	}
	t.Fatalf("no box mentioning %q in\n%s", text, body)
	return ""
}
