package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestReplayedSignedBodyUnderANewDeliveryIDReviewsOnce(t *testing.T) {
	s := newReviewingTestServer(t, nil)
	body := fixture(t, "pull_request.opened.json", nil)
	if rec := s.deliver("pull_request", "d-1", body); rec.Code != http.StatusAccepted {
		t.Fatalf("first: %d", rec.Code)
	}
	for _, id := range []string{"replay-1", "replay-2", "replay-3"} {
		s.reviewsDone(t)
		if rec := s.deliver("pull_request", id, body); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "replayed") {
			t.Errorf("%s: %d %s, want 200 replayed", id, rec.Code, strings.TrimSpace(rec.Body.String()))
		}
	}
	if got := s.queued(t); len(got) != 1 {
		t.Errorf("%d reviews, want 1", len(got))
	}
	if !strings.Contains(s.logs.String(), `"outcome":"replayed"`) {
		t.Errorf("the log does not show the replays:\n%s", s.logs)
	}
}

// TestEveryNewEventForAHeadIsReviewed sends, one after another and each
// once its review is done, the events a head sees again legitimately: each
// is a new review, and only a replay of one is not.
func TestEveryNewEventForAHeadIsReviewed(t *testing.T) {
	s := newReviewingTestServer(t, nil)
	other := "0000000000000000000000000000000000000001"
	type delivery struct {
		name, event string
		body        []byte
	}
	pull := func(action, head, updated string) []byte {
		return fixture(t, "pull_request.opened.json", map[string]any{"action": action,
			"pull_request.head.sha": head, "pull_request.updated_at": updated})
	}
	run := func(id int, completed string) []byte {
		return fixture(t, "check_run.rerequested.json", map[string]any{"check_run.id": id, "check_run.completed_at": completed})
	}
	suite := func(updated string) []byte {
		return fixture(t, "check_suite.rerequested.json", map[string]any{"check_suite.updated_at": updated})
	}
	head := helloWorld.HeadSHA
	deliveries := []delivery{
		{"opened", "pull_request", pull("opened", head, "2026-03-02T10:00:00Z")},
		{"reopened after closing", "pull_request", pull("reopened", head, "2026-03-02T10:05:00Z")},
		{"reopened again", "pull_request", pull("reopened", head, "2026-03-02T10:09:00Z")},
		{"a push", "pull_request", pull("synchronize", other, "2026-03-02T10:10:00Z")},
		{"a force-push back", "pull_request", pull("synchronize", head, "2026-03-02T10:11:00Z")},
		{"re-run of a check run", "check_run", run(100, "2026-03-02T10:12:00Z")},
		{"re-run of the new check run", "check_run", run(101, "2026-03-02T10:13:00Z")},
		{"re-run of a run completed again", "check_run", run(101, "2026-03-02T10:14:00Z")},
		{"re-run all checks", "check_suite", suite("2026-03-02T10:15:00Z")},
		{"re-run all checks again", "check_suite", suite("2026-03-02T10:16:00Z")},
	}
	for i, d := range deliveries {
		s.reviewsDone(t)
		if rec := s.deliver(d.event, fmt.Sprint("d-", i), d.body); rec.Code != http.StatusAccepted {
			t.Errorf("%s: %d %s, want 202", d.name, rec.Code, strings.TrimSpace(rec.Body.String()))
		}
	}
	for i, d := range deliveries {
		s.reviewsDone(t)
		if rec := s.deliver(d.event, fmt.Sprint("replay-", i), d.body); rec.Code != http.StatusOK {
			t.Errorf("%s replayed: %d, want 200", d.name, rec.Code)
		}
	}
	if got := s.queued(t); len(got) != len(deliveries) {
		t.Errorf("%d reviews, want %d", len(got), len(deliveries))
	}
}

func TestPullRequestWithoutUpdateTimeIsRefused(t *testing.T) {
	s := newTestServer(t, nil)
	body := fixture(t, "pull_request.opened.json", map[string]any{"pull_request.updated_at": nil})
	if rec := s.deliver("pull_request", "d-1", body); rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400: a replay could not be told from a new event", rec.Code)
	}
}
