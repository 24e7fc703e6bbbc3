package handlers

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/composeguard/composeguard/checks"
	"github.com/composeguard/composeguard/handlers/browsertest"
)

// serve runs the test server on loopback for the browser.
func (s *testServer) serve(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(s.e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// text reads the text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return got
}

// visit loads url in the tab.
func visit(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate to %s: %v", url, err)
	}
}

func TestRulePagesInBrowser(t *testing.T) {
	base := newTestServer(t, nil).serve(t)
	ctx := browsertest.Tab(t)

	visit(t, ctx, base+"/rules/")
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("#rules tbody tr")))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(checks.All()) {
		t.Errorf("the index lists %d rules, the registry holds %d", len(rows), len(checks.All()))
	}
	if got, want := text(t, ctx, "main > p"), strings.ReplaceAll(checks.SeverityPolicy, "`", ""); got != want {
		t.Errorf("the index explains severities as\n%s\nwant\n%s", got, want)
	}
	browsertest.Screenshot(t, ctx, "rules-index")

	// A person follows the link of a rule to its page.
	r := checks.Get("privileged-container")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="privileged-container"]`)), chromedp.WaitVisible(chromedp.CSS("#why"))); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != base+"/rules/privileged-container" {
		t.Errorf("the link led to %s (%v)", loc, err)
	}
	for sel, want := range map[string]string{"h1": r.ID, "#why": r.Why, "#fix": r.Fix, "#severity-why": r.SeverityWhy} {
		if got := text(t, ctx, sel); got != strings.ReplaceAll(want, "`", "") {
			t.Errorf("%s shows %q, want the registry's %q", sel, got, want)
		}
	}
	// The fix's code spans are code on the page.
	if code := text(t, ctx, "#fix code"); !strings.Contains(r.Fix, "`"+code+"`") {
		t.Errorf("the fix's first code element %q is none of its code spans", code)
	}
	browsertest.Screenshot(t, ctx, "rule-privileged-container")
}

func TestRulePages(t *testing.T) {
	s := newTestServer(t, nil)
	for _, r := range checks.All() {
		rec := s.get("/rules/" + r.ID)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), html.EscapeString(r.Title)) {
			t.Errorf("/rules/%s: %d", r.ID, rec.Code)
		}
	}
	rec := s.get("/rules/privileged-container")
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=UTF-8" {
		t.Errorf("content type %q", ct)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("a page runs no script: CSP %q", csp)
	}
	for _, path := range []string{"/rules/no-such-rule", "/rules/%3Cscript%3E"} {
		if rec := s.get(path); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "<script>") {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Body.String())
		}
	}
	if rec := s.get("/rules"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "rules/" {
		t.Errorf("/rules: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}
