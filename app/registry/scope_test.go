package registry

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

// The server's registry credentials were offered to any repository naming
// that registry: lookups made For a repository offer them only where the
// scope says, and never hand it an answer fetched with them.
func TestServerCredentialsOnlyForScopedRepositories(t *testing.T) {
	f := newFake(t)
	f.push("acme/private", image(t, nil), appTags...)
	f.push("library/postgres", image(t, nil), postgresTags...)
	const want = "Basic Ym90OnMzY3JldA==" // bot:s3cret
	basic := basicAuth(want, f.reg)
	public := serve(t, f.record(f.reg), false)
	scope, err := ParseCredentialScope("registry.example:5000=acme/*, Partner/Site")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, Options{
		DockerConfig:    []byte(`{"auths":{"registry.example:5000":{"auth":"Ym90OnMzY3JldA=="}}}`),
		CredentialScope: scope,
		Transport: route(map[string]*httptest.Server{
			"registry.example": serve(t, f.record(basic), false),
			"index.docker.io":  public,
		}),
	})
	ctx := context.Background()
	const private = "registry.example:5000/acme/private"

	for _, repo := range []string{"acme/stack", "acme/group/deep", "partner/site"} {
		if tags, err := c.For(repo).Tags(ctx, private); err != nil || len(tags) != len(appTags) {
			t.Errorf("%s in scope: %v, %v", repo, tags, err)
		}
	}
	before := len(f.requests())
	for _, repo := range []string{"mallory/app", "acme-evil/app", "partner/site2"} {
		// The answer fetched with the credentials is cached; it must not be
		// what an outsider gets.
		_, err := c.For(repo).Tags(ctx, private)
		le := failed(t, err, Denied)
		if !le.Withheld || le.Credentials || le.Error() != "denied: "+private+" (HTTP 401; the server holds credentials for registry.example:5000, but "+
			"COMPOSEGUARD_REGISTRY_CREDENTIALS_SCOPE does not offer them to "+repo+")" {
			t.Errorf("%s: %+v: %q", repo, le, le)
		}
		_, err = c.For(repo).Digest(ctx, private, "v1.2.3")
		failed(t, err, Denied)
	}
	for _, r := range f.requests()[before:] {
		if r.auth != "" {
			t.Errorf("an outsider's lookup sent %s %s with Authorization %q", r.method, r.path, r.auth)
		}
	}

	// The person running composeguard uses every credential.
	if _, err := c.Tags(ctx, private); err != nil {
		t.Errorf("own lookup: %v", err)
	}
	// A registry without credentials is asked once for everyone.
	for _, repo := range []string{"acme/stack", "mallory/app"} {
		if _, err := c.For(repo).Tags(ctx, "docker.io/library/postgres"); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.RequestsFor("docker.io/library/postgres")[KindTags]; n != 1 {
		t.Errorf("public image listed %d times, want once for every repository", n)
	}
}

func TestParseCredentialScope(t *testing.T) {
	scope, err := ParseCredentialScope(" ghcr.io=acme/*,Acme-Labs/Site,gitlab:platform/* ; docker.io=* ; *=ops/tools ; quay.io=gitlab:*")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host, repo string
		want       bool
	}{
		{"ghcr.io", "acme/app", true},
		{"ghcr.io", "ACME/app", true},
		{"ghcr.io", "acme/group/app", true},
		{"ghcr.io", "acme-labs/site", true},
		{"ghcr.io", "acme-labs/other", false},
		{"ghcr.io", "acmeevil/app", false},
		{"ghcr.io", "acme", false},
		{"index.docker.io", "anyone/at-all", true}, // docker.io names Docker Hub
		{"quay.io", "ops/tools", true},
		{"quay.io", "acme/app", false},
		{"registry.example.com", "ops/tools", true},
		// GitLab projects are named apart, so GitHub's acme is not GitLab's.
		{"ghcr.io", "gitlab:acme/app", false},
		{"ghcr.io", "gitlab:platform/infra/app", true},
		{"ghcr.io", "platform/app", false},
		{"index.docker.io", "gitlab:anyone/at-all", true},
		{"quay.io", "gitlab:anyone/at-all", true},
	} {
		if got := scope.allows(tc.host, tc.repo); got != tc.want {
			t.Errorf("allows(%s, %s) = %v, want %v", tc.host, tc.repo, got, tc.want)
		}
	}
	if (CredentialScope{}).allows("ghcr.io", "acme/app") {
		t.Error("an empty scope offers credentials")
	}
	for _, bad := range []string{"ghcr.io", "=acme/*", "ghcr.io=acme", "ghcr.io=acme/*/x", "ghcr.io=a*/b", "ghcr.io=acme//x", "ghcr.io=", "ghcr.io=gitlab:acme", "ghcr.io=github:acme/*", "ghcr.io=gitlab:gitlab:acme/*", "bot:s3cret@ghcr.io=acme/*", "gh cr.io=acme/*"} {
		if _, err := ParseCredentialScope(bad); err == nil || !strings.Contains(err.Error(), CredentialsScopeSetting) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
