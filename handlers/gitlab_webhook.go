package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
)

// gitlabWebhook acknowledges GitLab deliveries: check the token, record and
// queue, answer. GitLab.com waits about 10 seconds and disables a hook that
// keeps failing (docs: "Webhooks", auto-disabled webhooks), so nothing here
// calls GitLab, and an event not reviewed is still answered 2xx.
type gitlabWebhook struct {
	secret []byte
	// dashboards: push and issue events refresh dashboards.
	dashboards   bool
	reviewDrafts bool
	bodies       *bodyGate
	queue        Queue
	metrics      *metrics
	logger       *slog.Logger
}

// mergeRequestHook is the only event read: X-Gitlab-Event of a merge
// request event (docs: "Webhook events", merge request events).
const mergeRequestHook = "Merge Request Hook"

// gitlabMergeRequestEvent is the part of a merge request event a review
// needs, with GitLab's field names.
type gitlabMergeRequestEvent struct {
	ObjectKind string `json:"object_kind"`
	Project    struct {
		PathWithNamespace string `json:"path_with_namespace"`
		DefaultBranch     string `json:"default_branch"`
	} `json:"project"`
	ObjectAttributes struct {
		IID            int    `json:"iid"`
		Action         string `json:"action"`
		OldRev         string `json:"oldrev"`
		Draft          bool   `json:"draft"`
		WorkInProgress bool   `json:"work_in_progress"`
		UpdatedAt      string `json:"updated_at"`
		LastCommit     struct {
			ID string `json:"id"`
		} `json:"last_commit"`
	} `json:"object_attributes"`
	Changes struct {
		Draft          *boolChange `json:"draft"`
		WorkInProgress *boolChange `json:"work_in_progress"`
	} `json:"changes"`
}

type boolChange struct {
	Previous bool `json:"previous"`
	Current  bool `json:"current"`
}

func (h *gitlabWebhook) serve(c echo.Context) error {
	return answerDelivery(c, forge.GitLab, h.receive, h.metrics, h.logger, "Idempotency-Key")
}

func (h *gitlabWebhook) receive(c echo.Context) ack {
	r := c.Request()
	// The token is the only proof of the sender, and a header: checked
	// before anything is read or believed.
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Gitlab-Token")), h.secret) != 1 {
		return ack{status: http.StatusUnauthorized, event: "unverified", outcome: "bad_token", reason: "missing or wrong X-Gitlab-Token"}
	}
	event := r.Header.Get("X-Gitlab-Event")
	if h.dashboards && (event == pushHook || event == issueHook) {
		return h.dashboardEvent(c, event)
	}
	if event != mergeRequestHook {
		// Answered 2xx all the same: GitLab disables hooks that fail.
		return ack{status: http.StatusNoContent, event: "other", outcome: "ignored", reason: "event not handled"}
	}
	body, done, err := h.bodies.read(r)
	if err != nil {
		return refuseBody(c, err)
	}
	defer done()
	const name = "merge_request"
	var p gitlabMergeRequestEvent
	if err := json.Unmarshal(body, &p); err != nil || p.ObjectKind != name {
		return ack{status: http.StatusBadRequest, event: name, outcome: "invalid", reason: "not a merge request event"}
	}
	req, identity, ignored := h.mergeRequest(p)
	switch {
	case ignored != "":
		return ack{status: http.StatusNoContent, event: name, outcome: "ignored", reason: ignored}
	case req.Repo.Owner == "" || req.Repo.Name == "" || req.Number <= 0 || req.HeadSHA == "":
		return ack{status: http.StatusBadRequest, event: name, outcome: "invalid", reason: "no project, merge request iid or head commit"}
	}
	id, ok := gitlabDeliveryID(r, identity)
	if !ok {
		return ack{status: http.StatusBadRequest, event: name, outcome: "invalid", reason: "malformed Idempotency-Key"}
	}
	return enqueue(r.Context(), h.queue, jobs.Delivery{Forge: forge.GitLab, ID: id, Event: identity}, name, req)
}

// gitlabDeliveryID is the delivery's id: GitLab sends the same
// Idempotency-Key on every retry of an event (from 17.4); before that, the
// event is its own key. false for a malformed key.
func gitlabDeliveryID(r *http.Request, identity string) (string, bool) {
	id := r.Header.Get("Idempotency-Key")
	if id == "" {
		sum := sha256.Sum256([]byte(identity))
		return hex.EncodeToString(sum[:16]), true
	}
	return id, deliveryIDPattern.MatchString(id)
}

// mergeRequest is the review a merge request event asks for, and its
// identity: project, merge request, head, action and update time, the same
// on every retry of the event and different for each new one. ignored says
// why there is none: only opening, reopening, and an update that pushes
// commits (oldrev) or marks a draft ready are reviewed; an update of the
// title, labels or assignees changes no code.
func (h *gitlabWebhook) mergeRequest(p gitlabMergeRequestEvent) (forge.ReviewRequest, string, string) {
	a := p.ObjectAttributes
	readied := p.Changes.Draft != nil && p.Changes.Draft.Previous && !p.Changes.Draft.Current ||
		p.Changes.WorkInProgress != nil && p.Changes.WorkInProgress.Previous && !p.Changes.WorkInProgress.Current
	switch {
	case a.Action == "update" && a.OldRev == "" && !readied:
		return forge.ReviewRequest{}, "", "update without new commits"
	case a.Action != "open" && a.Action != "reopen" && a.Action != "update":
		return forge.ReviewRequest{}, "", "action " + a.Action + " not reviewed"
	case (a.Draft || a.WorkInProgress) && !h.reviewDrafts:
		return forge.ReviewRequest{}, "", "draft"
	}
	path := p.Project.PathWithNamespace
	cut := strings.LastIndex(path, "/")
	if cut < 0 {
		return forge.ReviewRequest{}, "", ""
	}
	req := forge.ReviewRequest{Repo: forge.Repo{Forge: forge.GitLab, Owner: path[:cut], Name: path[cut+1:]},
		Number: a.IID, HeadSHA: a.LastCommit.ID, Opened: a.Action == "open", DefaultBranch: p.Project.DefaultBranch}
	return req, fmt.Sprintf("merge_request %s %s!%d %s updated %s", a.Action, path, a.IID, req.HeadSHA, a.UpdatedAt), ""
}
