package handlers

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Setup configures the set-up pages of a server with no credentials, which
// register its GitHub App through GitHub's manifest flow and say how to
// connect GitLab.
type Setup struct {
	// Public is the server's address (COMPOSEGUARD_PUBLIC_URL); without
	// it the page asks for it.
	Public *url.URL
	// GitHubWeb is where Apps are registered: https://github.com/, or a
	// GitHub Enterprise Server's address.
	GitHubWeb *url.URL
	// Manifest is the App manifest the name and addresses are filled in.
	Manifest []byte
	// DataDir is where the App is kept, as the page says.
	DataDir string
	// Code is the set-up code kept in CodeFile (config.SetupCode): only
	// who can read it starts a set-up, so whoever reaches the page first
	// cannot make the server their own App, nor use up the set-ups.
	Code, CodeFile string
	// Register exchanges the code GitHub returned for the App and keeps it.
	Register func(ctx context.Context, code string) (RegisteredApp, error)
	Now      func() time.Time
}

// RegisteredApp is the App set-up registered, and where it is kept.
type RegisteredApp struct {
	ID              int64
	Name, URL, Path string
}

const (
	// stateLifetime is GitHub's: the manifest flow must end within an
	// hour of its start.
	stateLifetime = time.Hour
	// maxStates bounds the set-ups under way: whoever reaches the page
	// can start one.
	maxStates = 16
	// maxSetupForm bounds the form's body: a name and an organisation.
	maxSetupForm = 4 << 10
)

var (
	appName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,33}$`)
	orgName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}$`)
)

// setupPages serves /setup until an App is registered, then nothing.
type setupPages struct {
	Setup
	logger *slog.Logger
	mu     sync.Mutex
	states map[string]time.Time // pending set-ups: state → expiry
	done   bool
}

func newSetupPages(s Setup, logger *slog.Logger) *setupPages {
	if s.Now == nil {
		s.Now = time.Now
	}
	return &setupPages{Setup: s, logger: logger, states: map[string]time.Time{}}
}

// setupView is what setup.html.tmpl receives.
type setupView struct {
	Step, Problem    string
	Public           bool
	Hook, GitLabHook string
	Self             string // the form's action, relative so a path prefix holds
	DataDir          string
	CodeFile         string
	Name, Org        string
	Action           string
	Manifest         string
	App              RegisteredApp
}

func (s *setupPages) finished() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

func (s *setupPages) start(c echo.Context, code int, problem string) error {
	v := setupView{Step: "start", Problem: problem, Public: s.Public != nil, DataDir: s.DataDir, CodeFile: s.CodeFile, Self: "setup"}
	if c.Path() == "/setup/callback" {
		v.Self = "../setup"
	}
	if s.Public != nil {
		v.Hook, v.GitLabHook = s.Public.JoinPath("webhooks", "github").String(), s.Public.JoinPath("webhooks", "gitlab").String()
	}
	return page(c, code, "setup.html.tmpl", v)
}

func (s *setupPages) show(c echo.Context) error {
	if s.finished() {
		return notFound(c)
	}
	return s.start(c, http.StatusOK, "")
}

// begin fills the manifest in and hands it to the operator's browser to
// post to GitHub, with a new state GitHub sends back.
func (s *setupPages) begin(c echo.Context) error {
	if s.finished() {
		return notFound(c)
	}
	if s.Public == nil {
		return s.start(c, http.StatusBadRequest, "Set COMPOSEGUARD_PUBLIC_URL first.")
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxSetupForm)
	// Without a code nothing is accepted: fail closed.
	if s.Code == "" || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(c.FormValue("code"))), []byte(s.Code)) != 1 {
		return s.start(c, http.StatusForbidden, "That is not the set-up code this server keeps in "+s.CodeFile+".")
	}
	name, org := strings.TrimSpace(c.FormValue("name")), strings.TrimSpace(c.FormValue("org"))
	if !appName.MatchString(name) {
		return s.start(c, http.StatusBadRequest, "An App's name is 1 to 34 letters, digits, spaces, dots, dashes or underscores.")
	}
	if org != "" && !orgName.MatchString(org) {
		return s.start(c, http.StatusBadRequest, "That is not an organisation's name.")
	}
	manifest, err := s.manifest(name)
	if err != nil {
		return err
	}
	state := s.newState()
	if state == "" {
		return s.start(c, http.StatusTooManyRequests, "Too many set-ups are under way: try again within the hour.")
	}
	action := s.GitHubWeb.JoinPath("settings", "apps", "new")
	if org != "" {
		action = s.GitHubWeb.JoinPath("organizations", org, "settings", "apps", "new")
	}
	action.RawQuery = url.Values{"state": {state}}.Encode()
	return page(c, http.StatusOK, "setup.html.tmpl", setupView{Step: "confirm", Name: name, Org: org,
		Action: action.String(), Manifest: string(manifest)})
}

// manifest is the App manifest named name, its webhook and redirect this
// server's.
func (s *setupPages) manifest(name string) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(s.Manifest, &m); err != nil {
		return nil, err
	}
	m["name"] = name
	m["hook_attributes"] = map[string]any{"url": s.Public.JoinPath("webhooks", "github").String(), "active": true}
	m["redirect_url"] = s.Public.JoinPath("setup", "callback").String()
	return json.MarshalIndent(m, "", "  ")
}

// newState hands out a new state; "" when maxStates set-ups are under way.
func (s *setupPages) newState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	for st, expires := range s.states {
		if now.After(expires) {
			delete(s.states, st)
		}
	}
	if len(s.states) >= maxStates {
		return ""
	}
	state := hex.EncodeToString(b)
	s.states[state] = now.Add(stateLifetime)
	return state
}

// takeState reports whether state is one the page handed out, unexpired,
// and forgets it: each is good once.
func (s *setupPages) takeState(state string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	expires, ok := s.states[state]
	delete(s.states, state)
	return ok && !s.Now().After(expires)
}

// callback is where GitHub sends the operator back with a code: the state
// is checked before the code is exchanged for the App, which is kept.
func (s *setupPages) callback(c echo.Context) error {
	if s.finished() {
		return notFound(c)
	}
	if !s.takeState(c.QueryParam("state")) {
		return s.start(c, http.StatusForbidden, "This answer from GitHub does not match a set-up this server started within the hour: start again.")
	}
	app, err := s.Register(c.Request().Context(), c.QueryParam("code"))
	if err != nil {
		s.logger.Error("setup: the App manifest was not converted", "error", err)
		return s.start(c, http.StatusBadGateway, "GitHub did not hand over the App: start again (a code is good for an hour, once).")
	}
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	return page(c, http.StatusOK, "setup.html.tmpl", setupView{Step: "done", App: app})
}
