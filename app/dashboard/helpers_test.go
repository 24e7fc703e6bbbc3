package dashboard_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/dashboard"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/jobs"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/app/registry"
)

// monday is the flow's clock: the test repository's policy has one
// exception expiring 13 days later and one expired 37 days before.
var monday = time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)

const (
	appID        = 4242
	installation = 7
)

// env is the fake GitHub holding acme/stack, the App's client, a database
// and a Runner over them whose boxes the hardening flow acts on.
type env struct {
	t      testing.TB
	fake   *githubtest.Fake
	repo   *githubtest.Repo
	target forge.Repository
	store  *jobs.Queue
	runner *dashboard.Runner
	now    time.Time
}

func newEnv(t testing.TB, files map[string]string) *env {
	t.Helper()
	f := githubtest.New(t)
	f.SetApp(appID, &githubtest.AppKey().PublicKey)
	client, err := github.NewAppClient(github.Options{APIURL: f.URL, AppID: appID, PrivateKey: githubtest.AppKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	store, err := jobs.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "composeguard.db"), jobs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{t: t, fake: f, store: store, now: monday}
	e.repo = f.AddRepo("acme", "stack", installation)
	e.repo.CommitTo("main", "octocat", files)
	e.target = forge.Repository{Repo: forge.Repo{Forge: forge.GitHub, Owner: "acme", Name: "stack",
		CredentialsKey: strconv.Itoa(installation)}, DefaultBranch: "main"}
	clock := func() time.Time { return e.now }
	// Docker Hub is mirrored to a registry holding newer nginx and
	// postgres tags.
	reg := bumptest.New(t, map[string][]string{"library/nginx": {"1.27", "1.27.3"}, "library/postgres": {"16.4", "16.6", "17.2"}})
	newRegistry := func() (pulls.Registries, error) {
		c, err := registry.New(registry.Options{Mirrors: map[string]string{"docker.io": reg.Host},
			MaxRetryAfter: time.Millisecond, Timeout: 10 * time.Second})
		return pulls.RegistriesOf[*registry.Client](c), err
	}
	e.runner = dashboard.New(dashboard.Options{Forge: client, Store: store,
		Actions: pulls.New(pulls.Options{Forge: client, Now: clock, NewRegistry: newRegistry}), Now: clock})
	t.Cleanup(func() { f.CheckOperations(t) })
	return e
}

// refresh refreshes acme/stack's dashboard.
func (e *env) refresh() *dashboard.Result {
	e.t.Helper()
	res, err := e.runner.Repository(e.t.Context(), e.target)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// dashboards are the issues titled as the dashboard.
func (e *env) dashboards() []githubtest.Issue {
	var out []githubtest.Issue
	for _, is := range e.repo.Issues() {
		if is.Title == dashboard.Title {
			out = append(out, is)
		}
	}
	return out
}

// issue is the only dashboard issue.
func (e *env) issue() githubtest.Issue {
	e.t.Helper()
	d := e.dashboards()
	if len(d) != 1 {
		e.t.Fatalf("%d dashboard issues, want 1", len(d))
	}
	return d[0]
}

// writes counts the requests that changed an issue.
func (e *env) writes() int {
	n := 0
	for _, r := range e.fake.Requests() {
		if r.Pattern == "POST /repos/{owner}/{repo}/issues" || r.Pattern == "PATCH /repos/{owner}/{repo}/issues/{issue_number}" {
			n++
		}
	}
	return n
}

// tick ticks, as a person in the browser, the box whose line mentions text.
func tick(t *testing.T, body, text string) string {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "- [ ] ") && strings.Contains(line, text) {
			return strings.Replace(body, line, "- [x] "+strings.TrimPrefix(line, "- [ ] "), 1)
		}
	}
	t.Fatalf("no box mentioning %q in\n%s", text, body)
	return ""
}

var tickedBox = regexp.MustCompile(`(?m)^- \[[xX]\]`)

// readRepo reads a test repository under testdata, path → content.
func readRepo(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
