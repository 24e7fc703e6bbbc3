package main

import (
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// TestE2EReportPage: with a public URL, the check run's "Details" open the
// head's report page on the server, signed; rule links in comments lead to
// the server's rule pages; the repository opted in to its badge, which
// shows its default branch's score.
func TestE2EReportPage(t *testing.T) {
	t.Parallel()
	e := startE2EWith(t, false, map[string]string{"COMPOSEGUARD_PUBLIC_URL": "https://cg.example.com/"})
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	// The default branch's policy opts in to the badge.
	p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app")), ".composeguard.yml": "badge: true\n"},
		map[string]string{"compose.yaml": head, ".composeguard.yml": "badge: true\n"})
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
	if code, body := get("/badge/github/" + e2eOwner + "/" + e2eRepo + ".svg"); code != http.StatusOK || !strings.Contains(body, ">10.0 / 10<") {
		t.Errorf("badge of the default branch: %d\n%s", code, body)
	}
	comments := e.repo.ReviewComments(p.Number)
	if len(comments) != 1 || !strings.Contains(comments[0].Body, "](https://cg.example.com/rules/privileged-container)") {
		t.Errorf("rule links do not lead to the server's pages: %+v", comments)
	}
}

// TestServeSetup: a server started with no credentials serves the set-up
// page, registers the App through the manifest flow on the configured
// GitHub, and after a restart is that App, the page gone.
func TestServeSetup(t *testing.T) {
	t.Parallel()
	fake := githubtest.New(t)
	dir := t.TempDir()
	env := map[string]string{
		"COMPOSEGUARD_LISTEN":       "127.0.0.1:0",
		"COMPOSEGUARD_DATABASE_URL": "sqlite://" + filepath.Join(dir, "cg.db"),
		"COMPOSEGUARD_PUBLIC_URL":   "https://cg.example.com/",
		"GITHUB_API_URL":            fake.URL + "/api/v3/",
	}
	base, logs, stop := startServer(t, env)
	if code, body := get(t, base+"/setup"); code != http.StatusOK || !strings.Contains(body, "register the App") {
		t.Fatalf("/setup: %d", code)
	}
	// The operator reads the code from the data folder; the log names
	// the file, never the code.
	setupCode, err := os.ReadFile(filepath.Join(dir, "setup-code"))
	if err != nil || strings.Contains(logs.String(), strings.TrimSpace(string(setupCode))) || !strings.Contains(logs.String(), "setup-code") {
		t.Fatalf("the set-up code: %v\n%s", err, logs)
	}
	resp, err := http.PostForm(base+"/setup", url.Values{"name": {"composeguard-acme"}, "code": {string(setupCode)}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`action="([^"]*)" id="to-github"`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("no form to GitHub in\n%s", body)
	}
	action, _ := url.Parse(html.UnescapeString(m[1]))
	// An Enterprise Server's Apps are registered on its own web pages.
	if action.Host != strings.TrimPrefix(fake.URL, "http://") || action.Path != "/settings/apps/new" {
		t.Errorf("the manifest would go to %s", action)
	}
	code, _ := get(t, base+"/setup/callback?code="+fake.ConfirmManifest("composeguard-acme")+"&state="+action.Query().Get("state"))
	if code != http.StatusOK {
		t.Fatalf("callback: %d\n%s", code, logs)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	app := fake.Converted()[0]
	if strings.Contains(logs.String(), app.WebhookSecret) || strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("the server logged the App's secrets")
	}

	base, logs, _ = startServer(t, env)
	if code, _ := get(t, base+"/setup"); code != http.StatusNotFound {
		t.Errorf("/setup after the restart: %d, want 404", code)
	}
	if !strings.Contains(logs.String(), fmt.Sprintf(`"id":%d`, app.ID)) {
		t.Errorf("the restarted server is not the App %d:\n%s", app.ID, logs)
	}
	fake.CheckOperations(t)
}

// GitLab's merge requests name no default branch: the badge shows the score
// of a merge request into the default branch the event names, and a merge
// request into another branch, whose policy also says badge: true, changes
// nothing.
func TestGitLabE2EBadgeOnlyFromTheDefaultBranch(t *testing.T) {
	t.Parallel()
	e := startGitLabE2EWith(t, map[string]string{"COMPOSEGUARD_PUBLIC_URL": "https://cg.example.com/"})
	badge := map[string]string{".composeguard.yml": "badge: true\n"}
	with := func(files map[string]string) map[string]string {
		out := maps.Clone(badge)
		maps.Copy(out, files)
		return out
	}
	hardened := with(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))})
	insecure := with(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})

	intoMain := e.mergeRequest(1, hardened, insecure)
	e.send(t, "open", intoMain, "")
	e.reviewed(t)
	// Reviews are kept by the second: the one into release is the newer.
	time.Sleep(1100 * time.Millisecond)
	release := gitlabtest.MergeRequest{IID: 2, Title: "Into release", Base: e.project.Commit(insecure),
		Head: e.project.Commit(hardened), TargetBranch: "release"}
	e.project.AddMergeRequest(release)
	e.send(t, "open", release, "")
	e.reviewed(t)

	resp, err := http.Get(e.url + "/badge/gitlab/" + e2eGitLabProject + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), ">10.0 / 10<") {
		t.Errorf("badge after merge requests into main (base 10.0) then release (lower): %d\n%s", resp.StatusCode, body)
	}
}
