package pulls_test

import (
	"encoding/base64"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/app/registry"
)

// The server's registry credentials were offered to any repository naming
// that registry: in one scheduled run, the repository they are scoped to gets
// its update, and another repository naming the same private image gets
// nothing, not even from the run's cache. A GitLab project is named with
// "gitlab:", so a GitHub organisation's scope never reaches a GitLab group
// of the same name.
func TestServerCredentialsOnlyForScopedRepositories(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) { serverCredentialsOnlyForScopedRepositories(t, on) })
}

func serverCredentialsOnlyForScopedRepositories(t *testing.T, on func(*testing.T) hub) {
	e := newEnv(t, on, stackFiles(), stackTags)
	private := bumptest.New(t, map[string][]string{"acme/private": {"1.0", "1.1"}})
	login := "Basic " + base64.StdEncoding.EncodeToString([]byte("bot:s3cret"))
	var mu sync.Mutex
	authorized := 0
	upstream := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: private.Host})
	guarded := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != login {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		authorized++
		mu.Unlock()
		upstream.ServeHTTP(w, r)
	}))
	t.Cleanup(guarded.Close)
	host := strings.TrimPrefix(guarded.URL, "http://")
	image := host + "/acme/private"
	files := func() map[string]string {
		return map[string]string{"compose.yaml": "services:\n  app:\n    image: " + image + ":1.0\n", policy.FileName: "bump: {}\n"}
	}
	e.repo.commitTo("main", "octocat", files())
	mallory, target := e.hub.addRepo("mallory", "app", files())
	// acme/* alone names GitHub's acme; GitLab's is gitlab:acme/*.
	scoped := map[forge.Kind]string{forge.GitHub: host + "=acme/*", forge.GitLab: host + "=gitlab:acme/*"}[e.hub.kind()]
	scope, err := registry.ParseCredentialScope(scoped)
	if err != nil {
		t.Fatal(err)
	}
	runner := pulls.New(pulls.Options{Forge: e.hub.client(), Now: func() time.Time { return e.now }, NewRegistry: func() (pulls.Registries, error) {
		c, err := registry.New(registry.Options{Mirrors: maps.Clone(e.mirrors), AllowPrivate: []string{host},
			DockerConfig:    []byte(`{"auths":{"` + host + `":{"auth":"` + strings.TrimPrefix(login, "Basic ") + `"}}}`),
			CredentialScope: scope, MaxRetryAfter: time.Millisecond})
		return pulls.RegistriesOf[*registry.Client](c), err
	}})

	res, err := runner.Repository(t.Context(), e.target, monday06)
	if err != nil || len(res.Outcomes) != 1 || res.Outcomes[0].Action != pulls.Opened {
		t.Fatalf("acme/stack: %+v, %v; want its update opened", res, err)
	}
	if pr := e.pull(res.Outcomes[0].Number); pr.Title != "Update "+image+" to 1.1" {
		t.Errorf("acme/stack: %q", pr.Title)
	}
	mu.Lock()
	before := authorized
	mu.Unlock()

	res, err = runner.Repository(t.Context(), target, monday06)
	if err != nil || len(res.Outcomes) != 0 || len(mallory.pulls()) != 0 {
		t.Errorf("mallory/app: %+v, %v, %d pull requests; want nothing", res, err, len(mallory.pulls()))
	}
	mu.Lock()
	defer mu.Unlock()
	if authorized != before {
		t.Errorf("%d requests carried the server's credentials for mallory/app", authorized-before)
	}
}
