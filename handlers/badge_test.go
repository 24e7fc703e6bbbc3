package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
	"github.com/composeguard/composeguard/app/pages"
	"github.com/composeguard/composeguard/handlers/browsertest"
)

// badgeServer keeps reviews; now is its clock.
func badgeServer(t *testing.T, now *time.Time, reviews ...pages.Review) *testServer {
	t.Helper()
	s := newTestServer(t, func(o *Options) { o.Now = func() time.Time { return *now } })
	for _, r := range reviews {
		if err := s.queue.SaveReview(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func scored(repo, head string, base float64, badge, intoDefault bool) pages.Review {
	return pages.Review{Forge: forge.GitHub, Repo: repo, HeadSHA: head, Badge: badge, IntoDefault: intoDefault,
		Scores: []pages.Score{{Name: "Container Hardening", Base: 1, Head: 1}, {Name: "Overall", Base: base, Head: 2}}}
}

func TestBadge(t *testing.T) {
	now := time.Now()
	s := badgeServer(t, &now,
		scored("octo/shown", "a", 8.5, true, true),
		scored("octo/quiet", "b", 9, false, true),
		// A pull request into another branch says nothing of the default branch.
		scored("octo/elsewhere", "c", 9, true, false))

	rec := s.get("/badge/github/Octo/Shown.svg")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml; charset=utf-8" ||
		rec.Header().Get("Cache-Control") != "public, max-age=300" || !strings.Contains(rec.Body.String(), ">8.5 / 10<") {
		t.Fatalf("badge: %d %v\n%s", rec.Code, rec.Header(), rec.Body.String())
	}
	for _, path := range []string{"/badge/github/octo/quiet.svg", "/badge/github/octo/elsewhere.svg", "/badge/github/octo/unknown.svg",
		"/badge/gitlab/octo/shown.svg", "/badge/bitbucket/octo/shown.svg", "/badge/github/octo/shown.png", "/badge/github/shown.svg"} {
		if rec := s.get(path); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, rec.Code)
		}
	}

	// A newer review shows once the cached badge is stale.
	if err := s.queue.SaveReview(context.Background(), scored("octo/shown", "d", 4.2, true, true)); err != nil {
		t.Fatal(err)
	}
	if body := s.get("/badge/github/octo/shown.svg").Body.String(); !strings.Contains(body, ">8.5 / 10<") {
		t.Error("the badge was not reused within its max-age")
	}
	now = now.Add(badgeMaxAge + time.Second)
	if body := s.get("/badge/github/octo/shown.svg").Body.String(); !strings.Contains(body, ">4.2 / 10<") || !strings.Contains(body, "#cf222e") {
		t.Errorf("a stale badge was kept:\n%s", body)
	}

	// A push to the default branch the security dashboard scored since
	// is newer than the review's base.
	point := jobs.ScorePoint{SHA: "e", At: time.Now().Add(time.Minute), Score: audit.Score{Overall: 9.1}}
	if err := s.queue.RecordScore(context.Background(), forge.Repo{Forge: forge.GitHub, Owner: "octo", Name: "shown"}, point); err != nil {
		t.Fatal(err)
	}
	now = now.Add(badgeMaxAge + time.Second)
	if body := s.get("/badge/github/octo/shown.svg").Body.String(); !strings.Contains(body, ">9.1 / 10<") {
		t.Errorf("the dashboard's newer score is not shown:\n%s", body)
	}
}

func TestBadgeInBrowser(t *testing.T) {
	now := time.Now()
	base := badgeServer(t, &now, scored("octo/shown", "a", 8.5, true, true)).serve(t)
	ctx := browsertest.Tab(t)
	visit(t, ctx, base+"/badge/github/octo/shown.svg")
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("svg title").textContent`))
	if err != nil || label != "composeguard: 8.5 / 10" {
		t.Errorf("badge title %q (%v)", label, err)
	}
	browsertest.Screenshot(t, ctx, "badge")
}
