package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

var gitlabSecret = []byte("gitlab-hook-token-8a1c")

func newGitLabServer(t *testing.T, edit func(*Options)) *testServer {
	t.Helper()
	return newTestServer(t, func(o *Options) {
		o.WebhookSecret, o.GitLabWebhookSecret = nil, gitlabSecret
		if edit != nil {
			edit(o)
		}
	})
}

// deliverGitLab sends body as GitLab does, with the token and, when key is
// set, an Idempotency-Key.
func (s *testServer) deliverGitLab(token, key string, body []byte) int {
	headers := map[string]string{"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": token,
		"User-Agent": "GitLab/17.6.0", "X-Gitlab-Instance": "https://gitlab.example.com"}
	if key != "" {
		headers["Idempotency-Key"] = key
	}
	return s.postTo("/webhooks/gitlab", body, headers).Code
}

func TestGitLabMergeRequestOpenedIsQueued(t *testing.T) {
	s := newGitLabServer(t, nil)
	if code := s.deliverGitLab(string(gitlabSecret), "", gitlabPayload(t, "merge_request.json", nil)); code != http.StatusAccepted {
		t.Fatalf("open: %d, want 202", code)
	}
	want := forge.ReviewRequest{Repo: forge.Repo{Forge: forge.GitLab, Owner: "gitlabhq", Name: "gitlab-test"},
		Number: 1, HeadSHA: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", DefaultBranch: "master"} // the project's, for the badge
	if q := s.queued(t); len(q) != 1 || q[0] != want {
		t.Errorf("queued %+v, want %+v", q, want)
	}
	// A subgroup's project.
	body := gitlabPayload(t, "merge_request.json", map[string]any{"project.path_with_namespace": "acme/platform/stack", "object_attributes.iid": 7})
	if code := s.deliverGitLab(string(gitlabSecret), "", body); code != http.StatusAccepted {
		t.Fatalf("open in a subgroup: %d", code)
	}
	if q := s.queued(t); len(q) != 2 || q[1].Repo.Owner != "acme/platform" || q[1].Repo.Name != "stack" || q[1].Number != 7 {
		t.Errorf("queued %+v", q)
	}
	if s.get("/webhooks/github").Code != http.StatusMethodNotAllowed && s.postTo("/webhooks/github", body, nil).Code != http.StatusNotFound {
		t.Error("the GitHub route is served without its secret")
	}
}

func TestGitLabWrongTokenDoesNothing(t *testing.T) {
	s := newGitLabServer(t, nil)
	body := gitlabPayload(t, "merge_request.json", nil)
	for name, token := range map[string]string{"missing": "", "wrong": "not-the-token", "partial": string(gitlabSecret[:10]),
		"longer": string(gitlabSecret) + "x", "another event's": string(gitlabSecret) + " "} {
		if code := s.deliverGitLab(token, "", body); code != http.StatusUnauthorized {
			t.Errorf("%s token: %d, want 401", name, code)
		}
	}
	// Another event with a wrong token is refused too, unread.
	if code := s.postTo("/webhooks/gitlab", body, map[string]string{"X-Gitlab-Event": "Note Hook", "X-Gitlab-Token": "x"}).Code; code != http.StatusUnauthorized {
		t.Errorf("a note event with a wrong token: %d", code)
	}
	if q := s.queued(t); len(q) != 0 {
		t.Errorf("%d reviews queued by refused deliveries", len(q))
	}
	if strings.Contains(s.logs.String(), string(gitlabSecret[:10])) {
		t.Error("the log shows the token")
	}
}

func TestGitLabRetriesAreRecognised(t *testing.T) {
	s := newGitLabServer(t, nil)
	body := gitlabPayload(t, "merge_request.json", nil)
	// Before 17.4, no Idempotency-Key: the event is its own key.
	if code := s.deliverGitLab(string(gitlabSecret), "", body); code != http.StatusAccepted {
		t.Fatalf("first: %d", code)
	}
	if code := s.deliverGitLab(string(gitlabSecret), "", body); code != http.StatusOK {
		t.Errorf("a retry without a key: %d, want 200", code)
	}
	key := "7d2a1c3e-4b5f-4c6d-8e9f-0a1b2c3d4e5f"
	reopened := gitlabPayload(t, "merge_request.json", map[string]any{"object_attributes.action": "reopen", "object_attributes.updated_at": "2013-12-04T10:00:00Z"})
	if code := s.deliverGitLab(string(gitlabSecret), key, reopened); code != http.StatusAccepted {
		t.Fatalf("reopen: %d", code)
	}
	if code := s.deliverGitLab(string(gitlabSecret), key, reopened); code != http.StatusOK {
		t.Errorf("a retry with its key: %d, want 200", code)
	}
	if code := s.deliverGitLab(string(gitlabSecret), "1b2c3d4e-0000-4c6d-8e9f-0a1b2c3d4e5f", reopened); code != http.StatusOK {
		t.Errorf("the same event under another key: %d, want 200", code)
	}
	if code := s.deliverGitLab(string(gitlabSecret), "not a key!", reopened); code != http.StatusBadRequest {
		t.Errorf("a malformed key: %d, want 400", code)
	}
	if q := s.queued(t); len(q) != 1 {
		t.Errorf("%d reviews queued, want the first (the reopen coalesced with it)", len(q))
	}
}

func TestGitLabUpdatesReviewedOnlyForCode(t *testing.T) {
	for name, tc := range map[string]struct {
		file   string
		edits  map[string]any
		status int
	}{
		"new commits (oldrev)":  {"service_merge_request.json", nil, http.StatusAccepted},
		"title and labels only": {"service_merge_request.json", map[string]any{"object_attributes.oldrev": nil}, http.StatusNoContent},
		"draft marked ready": {"service_merge_request.json", map[string]any{"object_attributes.oldrev": nil,
			"changes.draft": map[string]any{"previous": true, "current": false}}, http.StatusAccepted},
		"marked draft": {"service_merge_request.json", map[string]any{"object_attributes.oldrev": nil,
			"changes.draft": map[string]any{"previous": false, "current": true}}, http.StatusNoContent},
		"closed":   {"merge_request.json", map[string]any{"object_attributes.action": "close"}, http.StatusNoContent},
		"approved": {"merge_request.json", map[string]any{"object_attributes.action": "approved"}, http.StatusNoContent},
		"merged":   {"merge_request.json", map[string]any{"object_attributes.action": "merge"}, http.StatusNoContent},
	} {
		t.Run(name, func(t *testing.T) {
			s := newGitLabServer(t, nil)
			if code := s.deliverGitLab(string(gitlabSecret), "", gitlabPayload(t, tc.file, tc.edits)); code != tc.status {
				t.Errorf("%d, want %d", code, tc.status)
			}
			if n := len(s.queued(t)); (n == 1) != (tc.status == http.StatusAccepted) {
				t.Errorf("%d reviews queued", n)
			}
		})
	}
}

func TestGitLabOtherEventsAnswered2xx(t *testing.T) {
	s := newGitLabServer(t, func(o *Options) { o.ReviewDrafts = false })
	for _, event := range []string{"Push Hook", "Note Hook", "Pipeline Hook"} {
		if code := s.postTo("/webhooks/gitlab", []byte("{}"), map[string]string{"X-Gitlab-Event": event, "X-Gitlab-Token": string(gitlabSecret)}).Code; code != http.StatusNoContent {
			t.Errorf("%s: %d, want 204", event, code)
		}
	}
	draft := gitlabPayload(t, "merge_request.json", map[string]any{"object_attributes.draft": true})
	if code := s.deliverGitLab(string(gitlabSecret), "", draft); code != http.StatusNoContent {
		t.Errorf("a draft with drafts off: %d, want 204", code)
	}
	if q := s.queued(t); len(q) != 0 {
		t.Errorf("%d reviews queued", len(q))
	}
}
