package github

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/review"
)

var _ review.Forge = (*Client)(nil)

const testAppID = 4242

// appKey is one RSA key for the whole run: generating one takes a while.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func appKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())})
}

// wire carries requests to the fake only, never anywhere else, and notes
// every credential sent so tests can look for them in errors.
type wire struct {
	host string

	mu          sync.Mutex
	credentials map[string]bool
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != w.host {
		return nil, fmt.Errorf("test refused a request to %s", r.URL.Host)
	}
	w.mu.Lock()
	if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
		w.credentials[cred] = true
	}
	w.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (w *wire) secrets() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for c := range w.credentials {
		out = append(out, c)
	}
	return out
}

type env struct {
	fake   *githubtest.Fake
	repo   *githubtest.Repo
	target forge.Repo
	client *Client
	wire   *wire
}

const testInstallation = 7

// installationKey is testInstallation as a forge.Repo's CredentialsKey.
var installationKey = strconv.Itoa(testInstallation)

// newEnv starts a fake GitHub with the App installed on acme/stack and a
// client for it that reaches the fake the way it reaches GitHub Enterprise.
func newEnv(t testing.TB) *env {
	t.Helper()
	f := githubtest.New(t)
	f.SetApp(testAppID, &appKey().PublicKey)
	e := &env{fake: f, repo: f.AddRepo("acme", "stack", testInstallation),
		target: forge.Repo{Forge: forge.GitHub, Owner: "acme", Name: "stack", CredentialsKey: installationKey}}
	e.client, e.wire = e.appClient(t, Options{})
	return e
}

func (e *env) appClient(t testing.TB, opts Options) (*Client, *wire) {
	t.Helper()
	u, _ := url.Parse(e.fake.URL)
	w := &wire{host: u.Host, credentials: map[string]bool{}}
	opts.APIURL, opts.AppID, opts.PrivateKey, opts.Transport = e.fake.URL, testAppID, appKeyPEM(), w
	c, err := NewAppClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

// pull seeds pull request 1 from base to head files.
func (e *env) pull(base, head map[string]string) githubtest.Pull {
	p := githubtest.Pull{Number: 1, Title: "change", Base: e.repo.Commit(base), Head: e.repo.Commit(head)}
	e.repo.AddPull(p)
	return p
}
