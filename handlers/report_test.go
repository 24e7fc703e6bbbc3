package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pages"
	"github.com/composeguard/composeguard/handlers/browsertest"
)

var reportNow = time.Date(2030, 3, 10, 12, 0, 0, 0, time.UTC)

// hostileReview is a review whose repository wrote markup everywhere it
// could.
func hostileReview() pages.Review {
	return pages.Review{Forge: forge.GitHub, Repo: "octo/<b>app</b>", Number: 7, HeadSHA: "0123456789abcdef0123", BaseSHA: "fedcba9876543210fedc",
		ReviewedAt: reportNow, Conclusion: "failure", Title: "2 new problems · score 9.0 → 4.1",
		Scores: []pages.Score{{Name: "Container Hardening", Base: 9, Head: 4.5}, {Name: "Image Security", Base: 7.8, Head: 7.8},
			{Name: "System Security", Base: 10, Head: 0}, {Name: "Overall", Base: 9, Head: 4.1}},
		Findings: []pages.Finding{{Severity: "critical", Rule: "privileged-container", File: "stacks/<i>x</i>/compose.yaml", Line: 4,
			Services: []string{"web<script>alert(1)</script>"}, Message: "runs privileged: root on the host", New: true,
			Fix: "Remove `privileged: true` and add only the capabilities or devices the service needs.",
			Excerpt: []pages.Line{{Number: 2, Text: "  web<script>alert(1)</script>:"}, {Number: 3, Text: "    image: nginx:1.27"},
				{Number: 4, Text: "    privileged: true"}, {Number: 5, Text: "    command: [\"<img src=x onerror=alert(1)>\"] # \u202e } \u2066if admin\u2069 \u2066 {"}}}},
		Exceptions: []pages.Exception{{Rule: "no-new-privileges-missing", Service: "db", Where: "compose.yaml:12",
			Reason: "gosu <needs> setuid", Expires: "2030-12-31", Waived: 1, Services: []string{"db"}}},
	}
}

// reportServer is a test server keeping review, whose report links it
// signs with a test key.
func reportServer(t *testing.T, review pages.Review) (*testServer, *pages.Links) {
	t.Helper()
	public, _ := url.Parse("https://cg.example.com/")
	links := pages.NewLinks(public, bytes.Repeat([]byte{7}, pages.KeySize))
	s := newTestServer(t, func(o *Options) { o.Links, o.Now = links, func() time.Time { return reportNow } })
	if err := s.queue.SaveReview(context.Background(), review); err != nil {
		t.Fatal(err)
	}
	return s, links
}

// pathOf is a link's path and query, to ask the test server.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestReportPageNeedsASignedLink(t *testing.T) {
	review := hostileReview()
	s, links := reportServer(t, review)
	good := pathOf(t, links.Report(review.Key(), reportNow))
	if rec := s.get(good); rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "private, no-store" {
		t.Fatalf("a signed link: %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	otherSecret := pages.NewLinks(&url.URL{Scheme: "https", Host: "cg.example.com", Path: "/"}, bytes.Repeat([]byte{8}, pages.KeySize))
	for name, path := range map[string]string{
		"no signature":   "/report/" + review.Key(),
		"other key":      strings.Replace(good, review.Key(), pages.Key(forge.GitHub, "octo/other", review.HeadSHA), 1),
		"longer expiry":  strings.Replace(good, "expires=", "expires=9", 1),
		"another server": pathOf(t, otherSecret.Report(review.Key(), reportNow)),
		"expired":        pathOf(t, links.Report(review.Key(), reportNow.Add(-pages.LinkLifetime-time.Minute))),
	} {
		if rec := s.get(path); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "octo") {
			t.Errorf("%s: %d %q, want 403 saying nothing of the review", name, rec.Code, rec.Body.String())
		}
	}
	gone := pathOf(t, links.Report(pages.Key(forge.GitHub, "octo/pruned", "abc"), reportNow))
	if rec := s.get(gone); rec.Code != http.StatusNotFound {
		t.Errorf("a signed link to a review no longer kept: %d", rec.Code)
	}
	if rec := newTestServer(t, nil).get(good); rec.Code != http.StatusNotFound {
		t.Errorf("a server without a public URL serves no report: %d", rec.Code)
	}
}

func TestReportPageEscapesTheRepository(t *testing.T) {
	review := hostileReview()
	s, links := reportServer(t, review)
	body := s.get(pathOf(t, links.Report(review.Key(), reportNow))).Body.String()
	for _, markup := range []string{"<script>", "<img", "<b>app", "<i>x", "<needs>"} {
		if strings.Contains(body, markup) {
			t.Errorf("the page carries the repository's %s", markup)
		}
	}
	// Bidirectional controls would make the excerpt read otherwise than
	// it runs ("Trojan Source").
	for _, r := range []string{"\u202e", "\u2066", "\u2069"} {
		if strings.Contains(body, r) {
			t.Errorf("the page carries the repository's %U", []rune(r)[0])
		}
	}
	for _, escaped := range []string{"octo/&lt;b&gt;app&lt;/b&gt;", "web&lt;script&gt;alert(1)&lt;/script&gt;", "gosu &lt;needs&gt; setuid"} {
		if !strings.Contains(body, escaped) {
			t.Errorf("the page lacks %s", escaped)
		}
	}
}

func TestReportPageInBrowser(t *testing.T) {
	review := hostileReview()
	s, links := reportServer(t, review)
	base := s.serve(t)
	ctx := browsertest.Tab(t)
	visit(t, ctx, base+pathOf(t, links.Report(review.Key(), reportNow)))

	if got := text(t, ctx, "h1"); got != "octo/<b>app</b> #7" {
		t.Errorf("heading %q", got)
	}
	if got := text(t, ctx, "pre.excerpt span.at"); got != "4    privileged: true" {
		t.Errorf("the finding's line in its excerpt: %q", got)
	}
	if got := text(t, ctx, ".finding .message"); got != review.Findings[0].Message {
		t.Errorf("message %q", got)
	}
	// Markup the repository wrote is text: no element came of it.
	injected, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("main script, main img, main b:not(pre b), main i").length`))
	if err != nil || injected != 0 {
		t.Errorf("%d elements from the repository's markup (%v)", injected, err)
	}
	// One pair of bars per category; System Security fell to nothing.
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[...document.querySelectorAll("#scores rect")].map(r => r.getBBox().width)`))
	if err != nil || len(bars) != 8 || bars[4] != 300 || bars[5] != 0 {
		t.Errorf("score bars %v (%v), want base and head of 4 rows, System Security from 300 to 0", bars, err)
	}
	if got := text(t, ctx, "#exceptions tbody td:nth-child(4)"); got != "gosu <needs> setuid" {
		t.Errorf("exception reason %q", got)
	}
	// The rule link opens the rule's page on the same server.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.finding a`)), chromedp.WaitVisible(chromedp.CSS("#why"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "rule-from-report")
	visit(t, ctx, base+pathOf(t, links.Report(review.Key(), reportNow)))
	browsertest.Screenshot(t, ctx, "report")
}
