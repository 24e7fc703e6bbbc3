package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
)

// noDashboard refreshes nothing; the queue keeps the jobs to be counted.
type noDashboard struct{}

func (noDashboard) Refresh(context.Context, forge.Repository) error { return nil }

// refreshes lists the dashboard jobs queued.
func (s *testServer) refreshes(t testing.TB) []jobs.DashboardArgs {
	t.Helper()
	rows, err := s.db.Query(`SELECT json(args) FROM river_job WHERE kind = 'dashboard' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []jobs.DashboardArgs
	for rows.Next() {
		var raw []byte
		var args jobs.DashboardArgs
		if err := rows.Scan(&raw); err != nil || json.Unmarshal(raw, &args) != nil {
			t.Fatalf("job args %s: %v", raw, err)
		}
		out = append(out, args)
	}
	return out
}

// recordDashboard records issue number as the dashboard the server last
// wrote in repo, as a refresh does.
func (s *testServer) recordDashboard(t testing.TB, repo forge.Repo, number int) {
	t.Helper()
	if err := s.queue.SaveDashboardIssue(context.Background(), repo, number, "<!-- composeguard:dashboard {} -->"); err != nil {
		t.Fatal(err)
	}
}

func newDashboardServer(t *testing.T, dashboards bool) *testServer {
	t.Helper()
	return newTestServerWithQueue(t, jobs.Options{Dashboard: noDashboard{}}, func(o *Options) { o.Dashboards = dashboards })
}

// TestGitHubDashboardDeliveries: a push to the default branch that changes
// a compose file, and an edit of a dashboard issue by a person, each queue
// the repository's refresh once; every other push or edit is acknowledged
// and ignored.
func TestGitHubDashboardDeliveries(t *testing.T) {
	s := newDashboardServer(t, true)
	s.recordDashboard(t, forge.Repo{Forge: forge.GitHub, Owner: "Codertocat", Name: "Hello-World"}, 1)
	cases := []struct {
		name, event string
		edits       map[string]any
		want        int
	}{
		{"push to main changing compose.yaml", "push", nil, http.StatusAccepted},
		{"the same push redelivered under a new id", "push", nil, http.StatusOK},
		{"push to another branch", "push", map[string]any{"ref": "refs/heads/feature", "after": "1"}, http.StatusNoContent},
		{"push changing no compose file", "push", map[string]any{"commits": []map[string]any{{"modified": []string{"README.md"}}}, "after": "2"}, http.StatusNoContent},
		{"push changing .env", "push", map[string]any{"commits": []map[string]any{{"modified": []string{"stacks/app/.env"}}}, "after": "3"}, http.StatusAccepted},
		{"branch deleted", "push", map[string]any{"deleted": true, "after": "4"}, http.StatusNoContent},
		{"a person ticks a box", "issues", nil, http.StatusAccepted},
		{"the server's own edit", "issues", map[string]any{"sender.type": "Bot", "issue.updated_at": "2019-05-15T15:22:00Z"}, http.StatusNoContent},
		{"an issue without the marker", "issues", map[string]any{"issue.body": "- [x] done", "issue.updated_at": "2019-05-15T15:23:00Z"}, http.StatusNoContent},
		{"an issue opened", "issues", map[string]any{"action": "opened", "issue.updated_at": "2019-05-15T15:24:00Z"}, http.StatusNoContent},
		{"an outsider's issue carrying the marker", "issues", map[string]any{"issue.user.type": "User", "issue.updated_at": "2019-05-15T15:25:00Z"}, http.StatusNoContent},
		{"another issue of the bot's carrying the marker", "issues", map[string]any{"issue.number": 2, "issue.updated_at": "2019-05-15T15:26:00Z"}, http.StatusNoContent},
	}
	for i, c := range cases {
		file := map[string]string{"push": "push.json", "issues": "issues.edited.json"}[c.event]
		if rec := s.deliver(c.event, "d-"+string(rune('a'+i)), fixture(t, file, c.edits)); rec.Code != c.want {
			t.Errorf("%s: %d, want %d (%s)", c.name, rec.Code, c.want, rec.Body)
		}
	}
	got := s.refreshes(t)
	if len(got) != 3 {
		t.Fatalf("%d refreshes queued, want 3: %+v", len(got), got)
	}
	want := forge.Repository{Repo: forge.Repo{Forge: forge.GitHub, Owner: "Codertocat", Name: "Hello-World", CredentialsKey: "957387"}, DefaultBranch: "main"}
	for _, r := range got {
		if r.Repo != want {
			t.Errorf("refresh of %+v, want %+v", r.Repo, want)
		}
	}
}

// TestGitHubDashboardIssueOfAToken: with a token the server's issues are
// its user's, who writes to the repository; an outsider's issue carrying
// the marker queues nothing, however often it is edited.
func TestGitHubDashboardIssueOfAToken(t *testing.T) {
	s := newTestServerWithQueue(t, jobs.Options{Dashboard: noDashboard{}}, func(o *Options) { o.Dashboards, o.AppID = true, 0 })
	s.recordDashboard(t, forge.Repo{Forge: forge.GitHub, Owner: "Codertocat", Name: "Hello-World"}, 1)
	for i, association := range []string{"NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "COLLABORATOR"} {
		edits := map[string]any{"issue.user.type": "User", "issue.author_association": association, "issue.updated_at": fmt.Sprintf("2019-05-15T15:2%d:00Z", i)}
		want := http.StatusNoContent
		if association == "COLLABORATOR" {
			want = http.StatusAccepted
		}
		if rec := s.deliver("issues", fmt.Sprintf("d-%d", i), fixture(t, "issues.edited.json", edits)); rec.Code != want {
			t.Errorf("an issue by a %s: %d, want %d (%s)", association, rec.Code, want, rec.Body)
		}
	}
	if got := s.refreshes(t); len(got) != 1 {
		t.Errorf("%d refreshes queued, want the collaborator's alone", len(got))
	}
}

// TestGitHubDashboardsOff: a server without dashboards reads no push or
// issues delivery.
func TestGitHubDashboardsOff(t *testing.T) {
	s := newDashboardServer(t, false)
	for _, event := range []string{"push", "issues"} {
		file := map[string]string{"push": "push.json", "issues": "issues.edited.json"}[event]
		if rec := s.deliver(event, "d-"+event, fixture(t, file, nil)); rec.Code != http.StatusNoContent {
			t.Errorf("%s: %d, want 204", event, rec.Code)
		}
	}
	if got := s.refreshes(t); len(got) != 0 {
		t.Errorf("refreshes queued: %+v", got)
	}
}

// TestGitLabDashboardEvents: a push to the default branch changing a
// compose file and an issue update carrying the marker each queue the
// project's refresh; other pushes and updates are acknowledged and
// ignored.
func TestGitLabDashboardEvents(t *testing.T) {
	s := newTestServerWithQueue(t, jobs.Options{Dashboard: noDashboard{}}, func(o *Options) {
		o.WebhookSecret, o.GitLabWebhookSecret, o.Dashboards = nil, gitlabSecret, true
	})
	s.recordDashboard(t, forge.Repo{Forge: forge.GitLab, Owner: "gitlabhq", Name: "gitlab-test"}, 23)
	cases := []struct {
		name, event, file string
		edits             map[string]any
		want              int
	}{
		{"push to main", "Push Hook", "gitlab_push.json", nil, http.StatusAccepted},
		{"push to another branch", "Push Hook", "gitlab_push.json", map[string]any{"ref": "refs/heads/feature", "after": "1"}, http.StatusNoContent},
		{"push of a README", "Push Hook", "gitlab_push.json", map[string]any{"commits": []map[string]any{{"modified": []string{"README.md"}}}, "after": "2"}, http.StatusNoContent},
		{"push of 25 commits, 20 listed", "Push Hook", "gitlab_push.json", map[string]any{"commits": []map[string]any{{"modified": []string{"README.md"}}}, "after": "3", "total_commits_count": 25}, http.StatusAccepted},
		{"branch deleted", "Push Hook", "gitlab_push.json", map[string]any{"after": zeroSHA}, http.StatusNoContent},
		{"a box ticked", "Issue Hook", "gitlab_issue.json", nil, http.StatusAccepted},
		{"an issue without the marker", "Issue Hook", "gitlab_issue.json", map[string]any{"object_attributes.description": "- [x] done", "object_attributes.updated_at": "x"}, http.StatusNoContent},
		{"an issue closed", "Issue Hook", "gitlab_issue.json", map[string]any{"object_attributes.action": "close", "object_attributes.updated_at": "y"}, http.StatusNoContent},
		// GitLab names no bot: anyone's issue carrying the marker gets
		// this far, but is not the dashboard the server wrote.
		{"another issue carrying the marker", "Issue Hook", "gitlab_issue.json", map[string]any{"object_attributes.iid": 24, "object_attributes.updated_at": "z"}, http.StatusNoContent},
	}
	for _, c := range cases {
		rec := s.postTo("/webhooks/gitlab", fixture(t, c.file, c.edits), map[string]string{"X-Gitlab-Event": c.event,
			"X-Gitlab-Token": string(gitlabSecret), "User-Agent": "GitLab/17.6.0"})
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d (%s)", c.name, rec.Code, c.want, rec.Body)
		}
	}
	var got []string
	for _, r := range s.refreshes(t) {
		got = append(got, r.Repo.String()+"@"+r.Repo.DefaultBranch)
	}
	want := []string{"mike/diaspora@main", "mike/diaspora@main", "gitlabhq/gitlab-test@main"}
	if !slices.Equal(got, want) {
		t.Errorf("refreshes %v, want %v", got, want)
	}
}
