package pulls_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/app/registry"
)

const (
	appID        = 4242
	installation = 7
)

// monday06 is a scheduled run's time; the clock of the flow is a few
// minutes later.
var monday06 = time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)

var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// env is a fake GitHub with the App installed on acme/stack, a registry
// that Docker Hub is mirrored to, and a Runner over both.
type env struct {
	t      *testing.T
	fake   *githubtest.Fake
	repo   *githubtest.Repo
	target forge.Repository
	client *github.Client
	runner *pulls.Runner
	reg    *bumptest.Registry
	now    time.Time

	mu      sync.Mutex
	mirrors map[string]string  // docker.io and ghcr.io → a test registry
	clients []*registry.Client // one per run, newest last
}

func newEnv(t *testing.T, files map[string]string, tags map[string][]string) *env {
	t.Helper()
	f := githubtest.New(t)
	f.SetApp(appID, &appKey().PublicKey)
	reg := bumptest.New(t, tags)
	e := &env{t: t, fake: f, repo: f.AddRepo("acme", "stack", installation), now: monday06.Add(5 * time.Minute),
		reg: reg, mirrors: map[string]string{"docker.io": reg.Host, "ghcr.io": reg.Host}}
	e.target = forge.Repository{Repo: forge.Repo{Forge: forge.GitHub, Owner: "acme", Name: "stack", CredentialsKey: strconv.Itoa(installation)}, DefaultBranch: "main"}
	e.repo.CommitTo("main", "octocat", files)
	var err error
	e.client, err = github.NewAppClient(github.Options{APIURL: f.URL, AppID: appID, PrivateKey: pem.EncodeToMemory(
		&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())})})
	if err != nil {
		t.Fatal(err)
	}
	e.runner = pulls.New(pulls.Options{
		Forge:       e.client,
		NewRegistry: e.newRegistry,
		Now:         func() time.Time { return e.now },
	})
	t.Cleanup(func() { f.CheckOperations(t) })
	return e
}

func (e *env) newRegistry() (pulls.Registries, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, err := registry.New(registry.Options{Mirrors: maps.Clone(e.mirrors),
		MaxRetryAfter: time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	e.clients = append(e.clients, c)
	return pulls.RegistriesOf[*registry.Client](c), nil
}

// useRegistry mirrors a registry (docker.io, ghcr.io) to another host from
// the next run on.
func (e *env) useRegistry(registry, host string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mirrors[registry] = host
}

// run runs the flow in acme/stack for the run at, and returns its outcomes
// as "action branch #n" lines.
func (e *env) run(at time.Time) []string {
	e.t.Helper()
	res, err := e.runner.Repository(e.t.Context(), e.target, at)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	if res.Skipped != "" {
		out = append(out, "skipped: "+res.Skipped)
	}
	for _, o := range res.Outcomes {
		out = append(out, fmt.Sprintf("%s %s #%d", o.Action, o.Branch, o.Number))
	}
	return out
}

// writes lists the requests since the first n of the fake's log that
// change something.
func (e *env) writes(since int) []string {
	var out []string
	for _, r := range e.fake.Requests()[since:] {
		if r.Method != "GET" && !strings.HasSuffix(r.Pattern, "/access_tokens") {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func (e *env) pull(number int) githubtest.PullView {
	e.t.Helper()
	for _, p := range e.repo.Pulls() {
		if p.Number == number {
			return p
		}
	}
	e.t.Fatalf("no pull request #%d", number)
	return githubtest.PullView{}
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
