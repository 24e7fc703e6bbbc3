package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// TestE2EReportPage: with a public URL, the check run's "Details" open the
// head's report page on the server, signed; rule links in comments lead to
// the server's rule pages.
func TestE2EReportPage(t *testing.T) {
	t.Parallel()
	e := startE2EWith(t, false, map[string]string{"COMPOSEGUARD_PUBLIC_URL": "https://cg.example.com/"})
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	e.opened(t, p, "opened")
	e.reviewed(t)

	run := e.verdict(t, p.Head)
	details, err := url.Parse(run.DetailsURL)
	if err != nil || details.Host != "cg.example.com" || !strings.HasPrefix(details.Path, "/report/") {
		t.Fatalf("details %q, want the server's report page", run.DetailsURL)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := get(details.RequestURI())
	if code != http.StatusOK || !strings.Contains(body, "privileged-container") || !strings.Contains(body, "privileged: true") {
		t.Errorf("report page: %d\n%s", code, body)
	}
	if code, _ := get(details.Path); code != http.StatusForbidden {
		t.Errorf("the page without its signature: %d, want 403", code)
	}
	comments := e.repo.ReviewComments(p.Number)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "](https://cg.example.com/rules/privileged-container)") {
		t.Errorf("rule links do not lead to the server's pages: %+v", comments)
	}
}
