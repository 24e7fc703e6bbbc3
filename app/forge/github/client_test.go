package github

import (
	"errors"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

func TestAppTokenFetchedOncePerInstallation(t *testing.T) {
	e := newEnv(t)
	other := e.fake.AddRepo("globex", "infra", 8)
	e.pull(map[string]string{"a": "1\n"}, map[string]string{"a": "2\n"})
	other.AddPull(githubtest.Pull{Number: 3, Base: other.Commit(nil), Head: other.Commit(map[string]string{"b": "x\n"})})
	globex := forge.Repo{Forge: forge.GitHub, Owner: "globex", Name: "infra", CredentialsKey: "8"}

	for range 3 {
		if _, err := e.client.PullRequest(t.Context(), e.target, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.ChangedFiles(t.Context(), globex, 3); err != nil {
			t.Fatal(err)
		}
	}
	if n, m := e.fake.TokensIssued(testInstallation), e.fake.TokensIssued(8); n != 1 || m != 1 {
		t.Errorf("tokens issued: installation %d got %d, installation 8 got %d; want one each", testInstallation, n, m)
	}
	if got := e.client.Calls().Auth.Total(); got != 2 {
		t.Errorf("Calls().Auth = %v, want 2 token requests", e.client.Calls().Auth)
	}
}

func TestInstallationTokenReachesOnlyItsRepositories(t *testing.T) {
	e := newEnv(t)
	other := e.fake.AddRepo("globex", "infra", 8)
	other.AddPull(githubtest.Pull{Number: 3, Base: other.Commit(nil), Head: other.Commit(nil)})

	// The right name with the wrong installation: GitHub hides the repository.
	_, err := e.client.PullRequest(t.Context(), forge.Repo{Forge: forge.GitHub, Owner: "globex", Name: "infra", CredentialsKey: installationKey}, 3)
	if !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("err = %v, want forge.ErrNotFound", err)
	}
	_, err = e.client.PullRequest(t.Context(), forge.Repo{Owner: "globex", Name: "infra"}, 3)
	if err == nil || !strings.Contains(err.Error(), "no GitHub App installation") {
		t.Errorf("err = %v, want a missing installation error", err)
	}
}

func TestAppWithAnotherKeyIsRefused(t *testing.T) {
	e := newEnv(t)
	e.fake.SetApp(testAppID+1, &appKey().PublicKey) // the key now belongs to another App
	e.pull(nil, nil)
	_, err := e.client.PullRequest(t.Context(), e.target, 1)
	var retry *forge.RetryableError
	if err == nil || errors.As(err, &retry) || !strings.Contains(err.Error(), "401") {
		t.Errorf("err = %v, want a final 401", err)
	}
}

func TestTokenClient(t *testing.T) {
	e := newEnv(t)
	e.pull(nil, map[string]string{"compose.yaml": "services: {}\n"})
	e.fake.AllowToken("ghp_good")
	for token, wantErr := range map[string]bool{"ghp_good": false, "ghp_wrong": true} {
		c, err := NewTokenClient(Options{APIURL: e.fake.URL, Token: token, Transport: e.wire})
		if err != nil {
			t.Fatal(err)
		}
		// A token client ignores the installation.
		files, err := c.ChangedFiles(t.Context(), forge.Repo{Owner: "acme", Name: "stack"}, 1)
		if (err != nil) != wantErr {
			t.Errorf("token %s: err = %v", token, err)
		}
		if !wantErr && len(files) != 1 {
			t.Errorf("token %s: %d files, want 1", token, len(files))
		}
	}
}

func TestBadSettingsAreRefusedWithoutQuotingThem(t *testing.T) {
	secret := "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END RSA PRIVATE KEY-----\n"
	for name, opts := range map[string]Options{
		"no app id":   {PrivateKey: appKeyPEM()},
		"no key":      {AppID: 1},
		"garbage key": {AppID: 1, PrivateKey: []byte(secret)},
	} {
		_, err := NewAppClient(opts)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%s: the error quotes the key: %v", name, err)
		}
	}
	if _, err := NewTokenClient(Options{}); err == nil {
		t.Error("an empty token was accepted")
	}
}

func TestConvertManifest(t *testing.T) {
	fake := githubtest.New(t)
	code := fake.ConfirmManifest("composeguard-acme")
	for _, apiURL := range []string{fake.URL + "/", fake.URL + "/api/v3/"} {
		app, err := ConvertManifest(t.Context(), apiURL, code)
		if apiURL != fake.URL+"/" {
			// A code is good once.
			if !errors.Is(err, forge.ErrNotFound) {
				t.Errorf("a code converted twice: %v", err)
			}
			// The error is logged: the code in its URL is a credential.
			if strings.Contains(err.Error(), code) {
				t.Errorf("the error names the code: %v", err)
			}
			continue
		}
		if err != nil || app.ID == 0 || app.Slug != "composeguard-acme" || !strings.Contains(app.PEM, "PRIVATE KEY") || app.WebhookSecret == "" {
			t.Fatalf("converted App %+v: %v", app, err)
		}
	}
	if _, err := ConvertManifest(t.Context(), fake.URL+"/", "../../user"); err == nil || len(fake.Requests()) != 2 {
		t.Errorf("a malformed code is refused before any call: %v", err)
	}
	fake.CheckOperations(t)
}
