package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
)

// githubWebhook acknowledges GitHub deliveries: verify, record and queue,
// answer. GitHub waits 10 seconds at most (docs: "Best practices for using
// webhooks"), so nothing here calls GitHub.
type githubWebhook struct {
	secret []byte
	// dashboards: push and issues deliveries refresh dashboards.
	dashboards   bool
	appID        int64
	reviewDrafts bool
	bodies       *bodyGate
	queue        Queue
	metrics      *metrics
	logger       *slog.Logger
}

// GitHubEvents are the events a GitHub App must send: those reviewed,
// and the dashboards' push and issues.
var GitHubEvents = []string{"pull_request", "check_run", "check_suite", "push", "issues"}

// githubEventsRead are the events whose body is read and verified: those
// reviewed, and ping, which answers a wrong secret with 401 when the hook
// is set up (push and issues with dashboards). Any other is acknowledged
// unread.
var githubEventsRead = map[string]bool{"pull_request": true, "check_run": true, "check_suite": true, "ping": true}

// ack is the answer to one delivery and what to record about it.
type ack struct {
	status  int
	event   string // "unverified" until the signature is checked
	outcome string
	req     forge.ReviewRequest
	reason  string // why it was ignored or refused
	err     error
}

func (h *githubWebhook) serve(c echo.Context) error {
	return answerDelivery(c, forge.GitHub, h.receive, h.metrics, h.logger, "X-GitHub-Delivery")
}

// answerDelivery receives a delivery of any forge, records its metrics, logs it
// and answers it. deliveryHeader names the header its delivery id is in.
func answerDelivery(c echo.Context, kind forge.Kind, receive func(echo.Context) ack, m *metrics, logger *slog.Logger, deliveryHeader string) error {
	start := time.Now()
	a := receive(c)
	m.observe(kind, a.event, a.outcome, time.Since(start))

	// a.event is a name the handler knows, or "unverified".
	attrs := []any{"delivery", loggableDeliveryID(c.Request().Header.Get(deliveryHeader)), "forge", kind,
		"event", a.event, "outcome", a.outcome, "status", a.status}
	if a.req.Repo.Name != "" {
		attrs = append(attrs, "repo", a.req.Repo.String())
	}
	if a.req.Number != 0 {
		attrs = append(attrs, "pr", a.req.Number, "head", a.req.HeadSHA)
	}
	if a.reason != "" {
		attrs = append(attrs, "reason", a.reason)
	}
	switch {
	case a.err != nil:
		logger.Error("webhook delivery failed", append(attrs, "error", a.err)...)
	case a.status >= 400:
		logger.Warn("webhook delivery refused", append(attrs, "remote", c.RealIP())...)
	case a.outcome == string(jobs.Replayed):
		logger.Warn("webhook delivery replays an event received before", append(attrs, "remote", c.RealIP())...)
	default:
		logger.Info("webhook delivery", attrs...)
	}

	if a.status == http.StatusNoContent {
		return c.NoContent(a.status)
	}
	return c.JSON(a.status, map[string]string{"outcome": a.outcome})
}

func (h *githubWebhook) receive(c echo.Context) ack {
	r := c.Request()
	event := r.Header.Get("X-GitHub-Event")
	switch {
	case event == "":
		return ack{status: http.StatusBadRequest, event: "unverified", outcome: "invalid", reason: "missing X-GitHub-Event"}
	case !githubEventsRead[event] && !(h.dashboards && (event == "push" || event == "issues")):
		// Nothing is done for it, so nothing is read or believed.
		return ack{status: http.StatusNoContent, event: "unverified", outcome: "ignored", reason: "event not handled"}
	}
	body, done, err := h.bodies.read(r)
	if err != nil {
		return refuseBody(c, err)
	}
	defer done()
	// Nothing about the delivery is believed before this check.
	if !validSignature(h.secret, body, r.Header.Get("X-Hub-Signature-256")) {
		return ack{status: http.StatusUnauthorized, event: "unverified", outcome: "bad_signature", reason: "missing or wrong X-Hub-Signature-256"}
	}
	// The signature covers the body alone: the headers are the sender's
	// word, and may come with a replayed body.
	deliveryID := r.Header.Get("X-GitHub-Delivery")
	if !deliveryIDPattern.MatchString(deliveryID) {
		return ack{status: http.StatusBadRequest, event: event, outcome: "invalid", reason: "missing or malformed X-GitHub-Delivery"}
	}
	if event == "push" || event == "issues" {
		d, ignored, err := h.dashboardEvent(event, body)
		switch {
		case errors.Is(err, errBadPayload):
			return ack{status: http.StatusBadRequest, event: event, outcome: "invalid", reason: err.Error()}
		case ignored != "":
			return ack{status: http.StatusNoContent, event: event, outcome: "ignored", reason: ignored}
		}
		if d.issue != 0 {
			if a, done := checkDashboardIssue(r.Context(), h.queue, event, d.repo.Repo, d.issue); done {
				return a
			}
		}
		return enqueueDashboard(r.Context(), h.queue, jobs.Delivery{Forge: forge.GitHub, ID: deliveryID, Event: d.identity}, event, d.repo)
	}
	ev, ignored, err := h.reviewEvent(r.Context(), event, body)
	switch {
	case errors.Is(err, errBadPayload):
		return ack{status: http.StatusBadRequest, event: event, outcome: "invalid", reason: err.Error()}
	case err != nil:
		return ack{status: http.StatusInternalServerError, event: event, outcome: "error", err: err}
	case ignored != "":
		return ack{status: http.StatusNoContent, event: event, outcome: "ignored", reason: ignored}
	}

	return enqueue(r.Context(), h.queue, jobs.Delivery{Forge: forge.GitHub, ID: deliveryID, Event: ev.identity}, event, ev.req)
}

// enqueueDashboard records a verified delivery and queues the refresh of
// repo's dashboard, answered as enqueue answers.
func enqueueDashboard(ctx context.Context, queue Queue, d jobs.Delivery, event string, repo forge.Repository) ack {
	outcome, err := queue.EnqueueDashboard(ctx, d, repo)
	return answerQueued(event, forge.ReviewRequest{Repo: repo.Repo}, outcome, err)
}

// enqueue records a verified delivery and queues its review: 202 when
// queued, 200 for a delivery or an event seen before, 500 when the
// database failed (the forge records the failure; it can be redelivered).
func enqueue(ctx context.Context, queue Queue, d jobs.Delivery, event string, req forge.ReviewRequest) ack {
	outcome, err := queue.Enqueue(ctx, d, req)
	return answerQueued(event, req, outcome, err)
}

// answerQueued is the answer to a delivery whose job was queued (or not).
func answerQueued(event string, req forge.ReviewRequest, outcome jobs.Outcome, err error) ack {
	switch {
	case err != nil:
		return ack{status: http.StatusInternalServerError, event: event, outcome: "error", req: req, err: err}
	case outcome == jobs.Duplicate, outcome == jobs.Replayed:
		return ack{status: http.StatusOK, event: event, outcome: string(outcome), req: req}
	}
	return ack{status: http.StatusAccepted, event: event, outcome: string(outcome), req: req}
}
