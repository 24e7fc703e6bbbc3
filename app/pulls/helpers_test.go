package pulls_test

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/app/registry"
)

// monday06 is a scheduled run's time; the clock of the flow is a few
// minutes later.
var monday06 = time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)

// env is a fake forge holding acme/stack, a registry that Docker Hub is
// mirrored to, and a Runner over both.
type env struct {
	t      *testing.T
	hub    hub
	repo   fakeRepo // acme/stack
	target forge.Repository
	runner *pulls.Runner
	reg    *bumptest.Registry
	now    time.Time

	mu      sync.Mutex
	mirrors map[string]string  // docker.io and ghcr.io → a test registry
	clients []*registry.Client // one per run, newest last
}

func newEnv(t *testing.T, newHub func(*testing.T) hub, files map[string]string, tags map[string][]string) *env {
	t.Helper()
	h := newHub(t)
	reg := bumptest.New(t, tags)
	e := &env{t: t, hub: h, now: monday06.Add(5 * time.Minute),
		reg: reg, mirrors: map[string]string{"docker.io": reg.Host, "ghcr.io": reg.Host}}
	e.repo, e.target = h.addRepo("acme", "stack", files)
	e.runner = pulls.New(pulls.Options{
		Forge:       h.client(),
		NewRegistry: e.newRegistry,
		Now:         func() time.Time { return e.now },
	})
	t.Cleanup(func() { h.checkOperations(t) })
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

// requests is how many requests the forge received so far.
func (e *env) requests() int { return len(e.hub.requests()) }

// writes lists the requests since the first n that change something.
func (e *env) writes(since int) []string {
	var out []string
	for _, r := range e.hub.requests()[since:] {
		if r.write {
			out = append(out, r.line)
		}
	}
	return out
}

func (e *env) pull(number int) pullView {
	e.t.Helper()
	for _, p := range e.repo.pulls() {
		if p.Number == number {
			return p
		}
	}
	e.t.Fatalf("no pull request #%d", number)
	return pullView{}
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
