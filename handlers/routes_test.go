package handlers

import (
	"net/http"
	"strings"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	s := newTestServer(t, nil)
	if rec := s.get("/healthz"); rec.Code != http.StatusOK {
		t.Errorf("healthz: %d", rec.Code)
	}
	if rec := s.get("/readyz"); rec.Code != http.StatusOK {
		t.Errorf("readyz with the database open: %d", rec.Code)
	}
	s.queue.Close()
	if rec := s.get("/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d, want 503", rec.Code)
	}
	if rec := s.get("/healthz"); rec.Code != http.StatusOK {
		t.Errorf("healthz is about the process, not the database: %d", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	// One server taking both forges' deliveries tells them apart.
	s := newTestServer(t, func(o *Options) { o.GitLabWebhookSecret = gitlabSecret })
	body := fixture(t, "pull_request.opened.json", nil)
	s.deliver("pull_request", "d-1", body)
	s.deliver("pull_request", "d-1", body)
	s.post(body, map[string]string{"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-2"})
	s.deliverGitLab(string(gitlabSecret), "", gitlabPayload(t, "merge_request.json", nil))
	s.deliverGitLab("not-the-token", "", gitlabPayload(t, "merge_request.json", nil))

	rec := s.get("/metrics")
	for _, want := range []string{
		`composeguard_webhook_deliveries_total{event="pull_request",forge="github",outcome="queued"} 1`,
		`composeguard_webhook_deliveries_total{event="pull_request",forge="github",outcome="duplicate"} 1`,
		`composeguard_webhook_deliveries_total{event="unverified",forge="github",outcome="bad_signature"} 1`,
		`composeguard_webhook_deliveries_total{event="merge_request",forge="gitlab",outcome="queued"} 1`,
		`composeguard_webhook_deliveries_total{event="unverified",forge="gitlab",outcome="bad_token"} 1`,
		`composeguard_webhook_ack_seconds_count 5`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestEmptySecretRefused(t *testing.T) {
	if _, err := New(Options{Queue: newTestServer(t, nil).queue}); err == nil {
		t.Error("an empty webhook secret must not build a server that accepts everything")
	}
}
