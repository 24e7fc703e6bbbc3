package github

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

func TestFailuresAreSortedForTheJob(t *testing.T) {
	const never = time.Duration(-1) // final: no RetryableError
	for name, tc := range map[string]struct {
		fault githubtest.Fault
		path  string
		after time.Duration
	}{
		"rate limit":              {githubtest.RateLimited(time.Now().Add(90 * time.Second)), "/pulls/1$", 90 * time.Second},
		"rate limit just reset":   {githubtest.RateLimited(time.Now().Add(-time.Second)), "/pulls/1$", time.Second},
		"429":                     {githubtest.TooManyRequests(7 * time.Second), "/pulls/1$", 7 * time.Second},
		"secondary rate limit":    {githubtest.SecondaryRateLimited(30 * time.Second), "/pulls/1$", 30 * time.Second},
		"secondary, no hint":      {githubtest.Fault{Status: 403, Message: "You have exceeded a secondary rate limit."}, "/pulls/1$", time.Minute},
		"server error":            {githubtest.ServerError(), "/pulls/1$", 0},
		"token request failed":    {githubtest.ServerError(), "/access_tokens$", 0},
		"token request limited":   {githubtest.TooManyRequests(5 * time.Second), "/access_tokens$", 5 * time.Second},
		"permission refused":      {githubtest.Fault{Status: 403, Message: "Resource not accessible by integration"}, "/pulls/1$", never},
		"token permission refuse": {githubtest.Fault{Status: 403, Message: "Resource not accessible by integration"}, "/access_tokens$", never},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.pull(nil, nil)
			e.fake.Fail("", tc.path, 1, tc.fault)
			_, err := e.client.PullRequest(t.Context(), e.target, 1)
			assertRetry(t, err, tc.after)
		})
	}
}

// assertRetry checks err is a RetryableError with about the given After, or
// a final error when after is negative.
func assertRetry(t *testing.T, err error, after time.Duration) {
	t.Helper()
	var retry *forge.RetryableError
	switch {
	case err == nil:
		t.Fatal("no error")
	case after < 0 && errors.As(err, &retry):
		t.Errorf("%v: retryable, want final", err)
	case after >= 0 && !errors.As(err, &retry):
		t.Errorf("%v: final, want retryable", err)
	case after >= 0 && (retry.After < after-2*time.Second || retry.After > after):
		t.Errorf("%v: After = %s, want about %s", err, retry.After, after)
	}
}

func TestRateLimitedClientWaitsWithoutCalling(t *testing.T) {
	e := newEnv(t)
	e.pull(nil, nil)
	e.fake.Fail("", "/pulls/1$", 1, githubtest.RateLimited(time.Now().Add(time.Hour)))
	for range 2 {
		_, err := e.client.PullRequest(t.Context(), e.target, 1)
		assertRetry(t, err, time.Hour)
	}
	if n := e.fake.Count(opGetPull); n != 1 {
		t.Errorf("%d requests while rate limited, want 1", n)
	}
}

func TestNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.PullRequest(t.Context(), e.target, 99)
	if !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("err = %v, want forge.ErrNotFound", err)
	}
	if _, err := e.client.Snapshot(t.Context(), e.target, strings.Repeat("0", 40)); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("Snapshot of an unknown commit = %v, want forge.ErrNotFound", err)
	}
}

func TestNetworkFailuresAreRetryable(t *testing.T) {
	e := newEnv(t)
	e.pull(nil, nil)
	e.fake.SetLatency(300 * time.Millisecond)
	slow, _ := e.appClient(t, Options{Timeout: 100 * time.Millisecond})
	_, err := slow.PullRequest(t.Context(), e.target, 1)
	assertRetry(t, err, 0)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	refused, err := NewTokenClient(Options{APIURL: closed, Token: "ghp_x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = refused.PullRequest(t.Context(), e.target, 1)
	assertRetry(t, err, 0)
}

func TestFailedPostIsNotRepeated(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": composeBefore}, map[string]string{"compose.yaml": composeAfter})
	e.fake.Fail("POST", "/reviews$", 1, githubtest.ServerError())
	err := e.client.CreateReview(t.Context(), e.target, 1, forge.Review{CommitSHA: p.Head,
		Comments: []forge.InlineComment{{Path: "compose.yaml", Line: 12, Body: "runs privileged"}}})
	assertRetry(t, err, 0)
	if n := e.fake.Count(opCreateReview); n != 1 {
		t.Errorf("%d review requests, want 1", n)
	}
}

func TestNoSecretInAnyError(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": composeBefore}, map[string]string{"compose.yaml": composeAfter})
	e.fake.AllowToken("ghp_s3cr3t_personal_token")
	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Error("expected an error")
		}
		errs = append(errs, err)
	}
	// The installation token is in use before anything fails.
	_, err := e.client.PullRequest(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.Fail("", "/pulls/1$", 1, githubtest.ServerError())
	_, err = e.client.PullRequest(t.Context(), e.target, 1)
	collect(err)
	e.fake.Fail("", "/files$", 1, githubtest.RateLimited(time.Now().Add(time.Minute)))
	_, err = e.client.ChangedFiles(t.Context(), e.target, 1)
	collect(err)
	collect(e.client.CreateReview(t.Context(), e.target, 1, forge.Review{CommitSHA: p.Head,
		Comments: []forge.InlineComment{{Path: "compose.yaml", Line: 1, Body: "outside"}}}))
	_, err = e.client.Snapshot(t.Context(), e.target, "nope")
	collect(err)

	fresh, _ := e.appClient(t, Options{})
	e.fake.Fail("", "/access_tokens$", 1, githubtest.ServerError())
	_, err = fresh.IssueComments(t.Context(), e.target, 1)
	collect(err)
	wrong, err := NewTokenClient(Options{APIURL: e.fake.URL, Token: "ghp_s3cr3t_wrong_token", Transport: e.wire})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.PullRequest(t.Context(), e.target, 1)
	collect(err)
	personal, err := NewTokenClient(Options{APIURL: e.fake.URL, Token: "ghp_s3cr3t_personal_token", Transport: e.wire})
	if err != nil {
		t.Fatal(err)
	}
	_, err = personal.PullRequest(t.Context(), e.target, 404)
	collect(err)

	secrets := append(e.wire.secrets(), "ghp_s3cr3t", string(appKeyPEM()[40:80]))
	if len(secrets) < 5 { // JWTs, the installation token, both personal tokens
		t.Fatalf("only %d credentials were seen on the wire", len(secrets))
	}
	for _, err := range errs {
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q contains a secret", err)
			}
		}
	}
}
