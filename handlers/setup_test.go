package handlers

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/composeguard/composeguard/app/config"
	"github.com/composeguard/composeguard/app/forge/github"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/deploy"
	"github.com/composeguard/composeguard/handlers/browsertest"
)

// setupServer is a server with no credentials, registering its App on
// fake and keeping it in dir; now is its clock.
func setupServer(t *testing.T, fake *githubtest.Fake, dir string, now *time.Time) *testServer {
	t.Helper()
	public, _ := url.Parse("https://cg.example.com/")
	web, _ := url.Parse("https://github.com/")
	register := func(ctx context.Context, code string) (RegisteredApp, error) {
		app, err := github.ConvertManifest(ctx, fake.URL+"/", code)
		if err != nil {
			return RegisteredApp{}, err
		}
		path, err := config.SaveApp(dir, config.StoredApp{ID: app.ID, Slug: app.Slug, PEM: config.Secret(app.PEM), WebhookSecret: config.Secret(app.WebhookSecret)})
		return RegisteredApp{ID: app.ID, Name: app.Name, URL: app.URL, Path: path}, err
	}
	return newTestServer(t, func(o *Options) {
		o.WebhookSecret = nil
		o.Setup = &Setup{Public: public, GitHubWeb: web, Manifest: deploy.GitHubAppManifest, DataDir: dir, Register: register,
			Code: testSetupCode, CodeFile: filepath.Join(dir, config.SetupCodeFile), Now: func() time.Time { return *now }}
	})
}

const testSetupCode = "0123456789abcdef0123456789abcdef"

var formAction = regexp.MustCompile(`<form method="post" action="([^"]*)" id="to-github">`)

// begin posts the set-up form and returns the address the operator's
// browser posts the manifest to, and the manifest.
func begin(t *testing.T, s *testServer, form url.Values) (*url.URL, map[string]any) {
	t.Helper()
	form.Set("code", testSetupCode)
	req := httptest.NewRequest(http.MethodPost, "/setup", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := s.do(req)
	m := formAction.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil {
		t.Fatalf("POST /setup: %d\n%s", rec.Code, rec.Body.String())
	}
	action, _ := url.Parse(html.UnescapeString(m[1]))
	value := regexp.MustCompile(`name="manifest" value="([^"]*)"`).FindStringSubmatch(rec.Body.String())
	var manifest map[string]any
	if value == nil || json.Unmarshal([]byte(html.UnescapeString(value[1])), &manifest) != nil {
		t.Fatalf("no manifest in\n%s", rec.Body.String())
	}
	return action, manifest
}

func TestSetupRegistersTheApp(t *testing.T) {
	fake, dir, now := githubtest.New(t), t.TempDir(), time.Now()
	s := setupServer(t, fake, dir, &now)

	action, manifest := begin(t, s, url.Values{"name": {"composeguard-acme"}, "org": {"acme"}})
	state := action.Query().Get("state")
	if action.Host != "github.com" || action.Path != "/organizations/acme/settings/apps/new" || len(state) != 64 {
		t.Errorf("the manifest goes to %s", action)
	}
	hook, _ := manifest["hook_attributes"].(map[string]any)
	if manifest["name"] != "composeguard-acme" || hook["url"] != "https://cg.example.com/webhooks/github" ||
		manifest["redirect_url"] != "https://cg.example.com/setup/callback" || manifest["default_permissions"] == nil {
		t.Errorf("manifest %v", manifest)
	}

	code := fake.ConfirmManifest("composeguard-acme")
	for name, q := range map[string]string{"no state": "code=" + code, "another state": "code=" + code + "&state=" + strings.Repeat("0", 64)} {
		if rec := s.get("/setup/callback?" + q); rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, rec.Code)
		}
	}
	if n := fake.Count("POST /app-manifests/{code}/conversions"); n != 0 {
		t.Errorf("a callback without the state exchanged the code (%d calls)", n)
	}
	rec := s.get("/setup/callback?code=" + code + "&state=" + state)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Restart the server") {
		t.Fatalf("callback: %d\n%s", rec.Code, rec.Body.String())
	}
	info, err := os.Stat(filepath.Join(dir, config.StoredAppFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the App is kept in %s: %v %v, want 0600", dir, info, err)
	}
	c, err := config.Load(nil, func(k string) string { return map[string]string{"COMPOSEGUARD_DATA_DIR": dir}[k] }, nil)
	if apps := fake.Converted(); err != nil || len(apps) != 1 || c.AppID != apps[0].ID || c.WebhookSecret.Reveal() != apps[0].WebhookSecret {
		t.Errorf("after a restart the server is the App: %+v %v", c, err)
	}
	for _, path := range []string{"/setup", "/setup/callback?code=" + code + "&state=" + state} {
		if rec := s.get(path); rec.Code != http.StatusNotFound {
			t.Errorf("%s once the App is registered: %d, want 404", path, rec.Code)
		}
	}
	fake.CheckOperations(t)
}

func TestSetupStateIsSingleUseAndExpires(t *testing.T) {
	fake, now := githubtest.New(t), time.Now()
	s := setupServer(t, fake, t.TempDir(), &now)
	action, _ := begin(t, s, url.Values{"name": {"composeguard-acme"}})
	if action.Path != "/settings/apps/new" {
		t.Errorf("without an organisation the App is the operator's own: %s", action)
	}
	now = now.Add(stateLifetime + time.Minute)
	if rec := s.get("/setup/callback?code=abc&state=" + action.Query().Get("state")); rec.Code != http.StatusForbidden {
		t.Errorf("an expired state: %d, want 403", rec.Code)
	}
	// A refused code costs the state: a state is good once.
	action, _ = begin(t, s, url.Values{"name": {"composeguard-acme"}})
	state := action.Query().Get("state")
	if rec := s.get("/setup/callback?code=unknown&state=" + state); rec.Code != http.StatusBadGateway {
		t.Errorf("a code GitHub does not know: %d, want 502", rec.Code)
	}
	if rec := s.get("/setup/callback?code=" + fake.ConfirmManifest("x") + "&state=" + state); rec.Code != http.StatusForbidden {
		t.Errorf("a state used twice: %d, want 403", rec.Code)
	}
	for range maxStates {
		begin(t, s, url.Values{"name": {"composeguard-acme"}})
	}
	req := httptest.NewRequest(http.MethodPost, "/setup", strings.NewReader("name=one-more&code="+testSetupCode))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := s.do(req); rec.Code != http.StatusTooManyRequests {
		t.Errorf("set-up number %d under way: %d, want 429", maxStates+1, rec.Code)
	}
	for _, bad := range []string{"name=", "name=%3Cscript%3E", "name=ok&org=a/b"} {
		req := httptest.NewRequest(http.MethodPost, "/setup", strings.NewReader(bad+"&code="+testSetupCode))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if rec := s.do(req); rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), "<script>") {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
}

// Whoever reaches the page without the code kept in the data folder
// starts no set-up: they could otherwise make the server their own App.
func TestSetupNeedsTheCode(t *testing.T) {
	fake, dir, now := githubtest.New(t), t.TempDir(), time.Now()
	s := setupServer(t, fake, dir, &now)
	for _, code := range []string{"", "wrong", testSetupCode[:31], testSetupCode + "0"} {
		form := url.Values{"name": {"composeguard-evil"}, "code": {code}}
		req := httptest.NewRequest(http.MethodPost, "/setup", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := s.do(req)
		if rec.Code != http.StatusForbidden || formAction.MatchString(rec.Body.String()) ||
			!strings.Contains(rec.Body.String(), filepath.Join(dir, config.SetupCodeFile)) {
			t.Errorf("code %q: %d\n%s", code, rec.Code, rec.Body.String())
		}
	}
	// None of them used up a set-up.
	for range maxStates {
		begin(t, s, url.Values{"name": {"composeguard-acme"}})
	}
}

func TestSetupIsGoneWithCredentials(t *testing.T) {
	s := newTestServer(t, nil)
	for _, path := range []string{"/setup", "/setup/callback?code=a&state=b"} {
		if rec := s.get(path); rec.Code != http.StatusNotFound {
			t.Errorf("%s on a configured server: %d, want 404", path, rec.Code)
		}
	}
	if _, err := New(Options{WebhookSecret: testSecret, Queue: s.queue, Setup: &Setup{}}); err == nil {
		t.Error("a server with credentials was given the setup pages")
	}
}

func TestSetupInBrowser(t *testing.T) {
	fake, dir, now := githubtest.New(t), t.TempDir(), time.Now()
	base := setupServer(t, fake, dir, &now).serve(t)
	ctx := browsertest.Tab(t)

	visit(t, ctx, base+"/setup")
	if got := text(t, ctx, "#gitlab + ol li:nth-child(2) code"); got != "https://cg.example.com/webhooks/gitlab" {
		t.Errorf("the GitLab webhook URL shown: %q", got)
	}
	browsertest.Screenshot(t, ctx, "setup")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="code"]`), testSetupCode),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "composeguard-acme"),
		chromedp.Click(chromedp.CSS(`#register button`)),
		chromedp.WaitVisible(chromedp.CSS("#to-github")),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#app-name"); got != "composeguard-acme" {
		t.Errorf("app name %q", got)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#to-github"), "action"))
	if err != nil {
		t.Fatal(err)
	}
	action, _ := url.Parse(attr.Value)
	if action.Host != "github.com" || action.Path != "/settings/apps/new" {
		t.Errorf("the manifest would go to %s", attr.Value)
	}
	browsertest.Screenshot(t, ctx, "setup-confirm")

	// GitHub, once the operator confirmed, sends the browser back.
	visit(t, ctx, base+"/setup/callback?code="+fake.ConfirmManifest("composeguard-acme")+"&state="+action.Query().Get("state"))
	if got := text(t, ctx, "#done strong"); got != "composeguard-acme" {
		t.Errorf("done page names %q", got)
	}
	browsertest.Screenshot(t, ctx, "setup-done")
	if _, err := os.Stat(filepath.Join(dir, config.StoredAppFile)); err != nil {
		t.Error(err)
	}
}

// After a refused answer from GitHub the operator starts again from the
// page it shows: its form posts to /setup.
func TestSetupStartsAgainFromTheCallback(t *testing.T) {
	now := time.Now()
	base := setupServer(t, githubtest.New(t), t.TempDir(), &now).serve(t)
	ctx := browsertest.Tab(t)
	visit(t, ctx, base+"/setup/callback?code=abc&state=forged")
	if got := text(t, ctx, "#problem"); !strings.Contains(got, "start again") {
		t.Errorf("problem %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="code"]`), testSetupCode),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "composeguard-acme"),
		chromedp.Click(chromedp.CSS(`#register button`)),
		chromedp.WaitVisible(chromedp.CSS("#to-github")),
	); err != nil {
		t.Fatal(err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != base+"/setup" {
		t.Errorf("the form posted to %s (%v)", loc, err)
	}
}
