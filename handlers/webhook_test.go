package handlers

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

// helloWorld is the review every fixture asks for.
var helloWorld = forge.ReviewRequest{
	Repo:    forge.Repo{Forge: forge.GitHub, Owner: "Codertocat", Name: "Hello-World", CredentialsKey: "957387"},
	Number:  2,
	HeadSHA: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
}

func TestSignedDeliveriesQueueReviews(t *testing.T) {
	tests := []struct {
		name, event, fixture string
		edits                map[string]any
	}{
		{"opened", "pull_request", "pull_request.opened.json", nil},
		{"reopened", "pull_request", "pull_request.opened.json", map[string]any{"action": "reopened"}},
		{"synchronize", "pull_request", "pull_request.opened.json", map[string]any{"action": "synchronize"}},
		{"ready for review", "pull_request", "pull_request.opened.json", map[string]any{"action": "ready_for_review"}},
		{"check run re-run", "check_run", "check_run.rerequested.json", nil},
		{"check suite re-run", "check_suite", "check_suite.rerequested.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil)
			rec := s.deliver(tt.event, "72d3162e-cc78-11e3-81ab-4c9367dc0958", fixture(t, tt.fixture, tt.edits))
			if rec.Code != http.StatusAccepted {
				t.Fatalf("status %d, want 202: %s", rec.Code, rec.Body)
			}
			if got := s.queued(t); !slices.Equal(got, []forge.ReviewRequest{helloWorld}) {
				t.Errorf("queued %+v, want %+v", got, helloWorld)
			}
		})
	}
}

func TestUnverifiedDeliveriesAreRefused(t *testing.T) {
	body := fixture(t, "pull_request.opened.json", nil)
	tests := map[string]string{
		"missing":      "",
		"wrong secret": Sign([]byte("guess"), body),
		"other body":   Sign(testSecret, append([]byte(" "), body...)),
		"legacy sha1":  "sha1=" + strings.TrimPrefix(Sign(testSecret, body), "sha256="),
		"not hex":      "sha256=zz",
		"no prefix":    strings.TrimPrefix(Sign(testSecret, body), "sha256="),
	}
	for name, signature := range tests {
		t.Run(name, func(t *testing.T) {
			s := newTestServer(t, nil)
			rec := s.post(body, map[string]string{
				"X-GitHub-Event":      "pull_request",
				"X-GitHub-Delivery":   "d-1",
				"X-Hub-Signature-256": signature,
			})
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", rec.Code)
			}
			if jobs := s.queued(t); len(jobs) != 0 {
				t.Errorf("an unverified delivery queued %v", jobs)
			}
			if strings.Contains(s.logs.String(), "Add a compose file") || strings.Contains(s.logs.String(), "Codertocat") {
				t.Errorf("the log shows the unverified body:\n%s", s.logs)
			}
			// A correctly signed delivery is still new: the refused one
			// did not record its id.
			if rec := s.deliver("pull_request", "d-1", body); rec.Code != http.StatusAccepted {
				t.Errorf("the signed delivery after a refused one: %d", rec.Code)
			}
		})
	}
}

func TestRedeliveryQueuesOnce(t *testing.T) {
	s := newTestServer(t, nil)
	body := fixture(t, "pull_request.opened.json", nil)
	var codes []int
	for range 3 {
		codes = append(codes, s.deliver("pull_request", "d-1", body).Code)
	}
	if !slices.Equal(codes, []int{http.StatusAccepted, http.StatusOK, http.StatusOK}) {
		t.Errorf("statuses %v, want 202 then 200s", codes)
	}
	// A re-run of the same head is a new delivery while the review waits:
	// acknowledged, covered by the waiting review.
	if rec := s.deliver("check_run", "d-2", fixture(t, "check_run.rerequested.json", nil)); rec.Code != http.StatusAccepted {
		t.Errorf("re-run: %d", rec.Code)
	}
	if got := s.queued(t); len(got) != 1 {
		t.Errorf("%d jobs, want 1", len(got))
	}
}

func TestDeliveriesNotReviewed(t *testing.T) {
	tests := []struct {
		name, event string
		body        []byte
	}{
		{"installation", "installation", fixture(t, "installation.created.json", nil)},
		{"ping", "ping", []byte(`{"zen":"Design for failure.","hook_id":1}`)},
		{"closed", "pull_request", fixture(t, "pull_request.opened.json", map[string]any{"action": "closed"})},
		{"labeled", "pull_request", fixture(t, "pull_request.opened.json", map[string]any{"action": "labeled"})},
		{"check run created", "check_run", fixture(t, "check_run.rerequested.json", map[string]any{"action": "created"})},
		{"another app's check run", "check_run", fixture(t, "check_run.rerequested.json", map[string]any{"check_run.app.id": 2})},
		{"another app's check suite", "check_suite", fixture(t, "check_suite.rerequested.json", map[string]any{"check_suite.app.id": 2})},
		{"no installation", "pull_request", fixture(t, "pull_request.opened.json", map[string]any{"installation": nil})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil)
			if rec := s.deliver(tt.event, "d-1", tt.body); rec.Code != http.StatusNoContent {
				t.Errorf("status %d, want 204", rec.Code)
			}
			if jobs := s.queued(t); len(jobs) != 0 {
				t.Errorf("queued %v", jobs)
			}
		})
	}
}

func TestDrafts(t *testing.T) {
	draft := fixture(t, "pull_request.opened.json", map[string]any{"pull_request.draft": true})
	ready := fixture(t, "pull_request.opened.json", map[string]any{"action": "ready_for_review"})

	reviewed := newTestServer(t, nil)
	if rec := reviewed.deliver("pull_request", "d-1", draft); rec.Code != http.StatusAccepted {
		t.Errorf("draft with drafts reviewed: %d, want 202", rec.Code)
	}

	skipped := newTestServer(t, func(o *Options) { o.ReviewDrafts = false })
	if rec := skipped.deliver("pull_request", "d-1", draft); rec.Code != http.StatusNoContent {
		t.Errorf("draft with COMPOSEGUARD_REVIEW_DRAFTS=false: %d, want 204", rec.Code)
	}
	if rec := skipped.deliver("pull_request", "d-2", ready); rec.Code != http.StatusAccepted {
		t.Errorf("ready for review: %d, want 202", rec.Code)
	}
}

func TestTokenSetupReRuns(t *testing.T) {
	s := newTestServer(t, func(o *Options) { o.AppID = 0 })
	run := fixture(t, "check_run.rerequested.json", nil)
	if rec := s.deliver("check_run", "d-1", run); rec.Code != http.StatusAccepted {
		t.Errorf("check run named composeguard: %d, want 202", rec.Code)
	}
	want := helloWorld
	want.Repo.CredentialsKey = "" // a token needs no installation
	if got := s.queued(t); !slices.Equal(got, []forge.ReviewRequest{want}) {
		t.Errorf("queued %+v", got)
	}
	other := fixture(t, "check_run.rerequested.json", map[string]any{"check_run.name": "lint"})
	if rec := s.deliver("check_run", "d-2", other); rec.Code != http.StatusNoContent {
		t.Errorf("another check run: %d, want 204", rec.Code)
	}
	if rec := s.deliver("check_suite", "d-3", fixture(t, "check_suite.rerequested.json", nil)); rec.Code != http.StatusNoContent {
		t.Errorf("check suite with a token: %d, want 204", rec.Code)
	}
}

// TestPullRequestEventCarriesThePullRequest: the review goes by the pull
// request the event describes rather than reading it again, and knows
// whether the event opened it (nothing posted on it yet). A re-run carries
// neither, and what a request carries does not make a second job for a
// head queued already.
func TestPullRequestEventCarriesThePullRequest(t *testing.T) {
	s := newTestServer(t, nil)
	s.deliver("check_run", "d-1", fixture(t, "check_run.rerequested.json", nil))
	s.deliver("pull_request", "d-2", fixture(t, "pull_request.opened.json", nil))
	head := "0d1e000000000000000000000000000000000000"
	s.deliver("pull_request", "d-3", fixture(t, "pull_request.opened.json", map[string]any{"pull_request.head.sha": head}))
	got := s.queuedAll(t)
	if len(got) != 2 {
		t.Fatalf("%d jobs queued, want 2: the opening of the re-run's head joins its job", len(got))
	}
	if got[0].Pull != nil || got[0].Opened {
		t.Errorf("re-run: %+v opened=%t, want nothing carried", got[0].Pull, got[0].Opened)
	}
	want := forge.PullRequest{Repo: helloWorld.Repo, Number: 2, Title: "Add a compose file", HeadSHA: head,
		BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", BaseRef: "master", Open: true}
	if got[1].Pull == nil || *got[1].Pull != want || !got[1].Opened {
		t.Errorf("opened: %+v opened=%t, want %+v opened", got[1].Pull, got[1].Opened, want)
	}
}

func TestForkReRunFindsItsPullRequest(t *testing.T) {
	s := newTestServer(t, nil)
	// GitHub sends no pull requests in check events for a fork's commits.
	forkRun := fixture(t, "check_run.rerequested.json", map[string]any{"check_run.pull_requests": []any{}})
	if rec := s.deliver("check_run", "d-1", forkRun); rec.Code != http.StatusNoContent {
		t.Errorf("re-run of an unknown head: %d, want 204", rec.Code)
	}
	s.deliver("pull_request", "d-2", fixture(t, "pull_request.opened.json", nil))
	if rec := s.deliver("check_run", "d-3", forkRun); rec.Code != http.StatusAccepted {
		t.Errorf("re-run of a known head: %d, want 202", rec.Code)
	}
	if got := s.queued(t); !slices.Equal(got, []forge.ReviewRequest{helloWorld}) {
		t.Errorf("queued %+v", got)
	}
}

func TestBadRequests(t *testing.T) {
	s := newTestServer(t, nil)
	body := fixture(t, "pull_request.opened.json", nil)
	noDelivery := s.post(body, map[string]string{"X-GitHub-Event": "pull_request", "X-Hub-Signature-256": Sign(testSecret, body)})
	if noDelivery.Code != http.StatusBadRequest {
		t.Errorf("without X-GitHub-Delivery: %d, want 400", noDelivery.Code)
	}
	if rec := s.deliver("pull_request", "d-1", []byte(`{"action":`)); rec.Code != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d, want 400", rec.Code)
	}
	noSHA := fixture(t, "pull_request.opened.json", map[string]any{"pull_request.head": map[string]any{}})
	if rec := s.deliver("pull_request", "d-2", noSHA); rec.Code != http.StatusBadRequest {
		t.Errorf("without a head SHA: %d, want 400", rec.Code)
	}
	if jobs := s.queued(t); len(jobs) != 0 {
		t.Errorf("queued %v", jobs)
	}
}

func TestBodyOverTheLimit(t *testing.T) {
	s := newTestServer(t, nil)
	body := &sizedReader{n: MaxWebhookBody + 1}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/github", body)
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.ContentLength = body.n
	if rec := s.do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.Code)
	}
	if body.read != 0 {
		t.Errorf("read %d bytes of a body declared too large", body.read)
	}

	// Without a Content-Length the limit applies while reading.
	small := newTestServer(t, func(o *Options) { o.MaxBody = 1 << 10 })
	chunked := &sizedReader{n: 1 << 20}
	req = httptest.NewRequest(http.MethodPost, "/webhooks/github", chunked)
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.ContentLength = -1
	if rec := small.do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body over the limit: %d, want 413", rec.Code)
	}
	if chunked.read > 1<<10+1 {
		t.Errorf("read %d bytes of a chunked body over a 1 KiB limit", chunked.read)
	}
	// A chunked body within the limit is read.
	signed := fixture(t, "pull_request.opened.json", nil)
	req = httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(signed))
	req.ContentLength = -1
	for k, v := range map[string]string{"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": Sign(testSecret, signed)} {
		req.Header.Set(k, v)
	}
	if rec := s.do(req); rec.Code != http.StatusAccepted {
		t.Errorf("chunked signed delivery: %d, want 202", rec.Code)
	}
}

func TestEventsNotHandledAreAnsweredUnread(t *testing.T) {
	s := newTestServer(t, nil)
	body := &sizedReader{n: 1 << 20}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/github", body)
	req.Header.Set("X-GitHub-Event", "push")
	if rec := s.do(req); rec.Code != http.StatusNoContent {
		t.Errorf("push: %d, want 204", rec.Code)
	}
	if body.read != 0 {
		t.Errorf("read %d bytes of an event nothing is done for", body.read)
	}
	// A ping is verified: a wrong secret shows when the hook is set up.
	ping := []byte(`{"zen":"Design for failure.","hook_id":1}`)
	if rec := s.post(ping, map[string]string{"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1",
		"X-Hub-Signature-256": Sign([]byte("another secret"), ping)}); rec.Code != http.StatusUnauthorized {
		t.Errorf("ping signed with another secret: %d, want 401", rec.Code)
	}
}

func TestQueueFailureIsNotAcknowledged(t *testing.T) {
	s := newTestServer(t, nil)
	s.queue.Close()
	if rec := s.deliver("pull_request", "d-1", fixture(t, "pull_request.opened.json", nil)); rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500 so GitHub records a failed delivery", rec.Code)
	}
}
