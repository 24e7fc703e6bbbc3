package registry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Errors quoted mirror URLs with their passwords: no error of settings or
// lookups shows a user:password, whichever path it takes.
func TestErrorsNeverQuoteMirrorCredentials(t *testing.T) {
	const secret, user = "s3cret", "bot"
	var errs []error
	for _, setting := range []string{
		"docker.io=https://bot:s3cret@mirror.example:5000",
		"docker.io=https://bot:s3,cret@mirror.example:5000", // the comma splits the entry
		"docker.io=http://bot:s3cret@mirror.example/dockerhub",
		"docker.io=bot:s3cret@mirror.example",
	} {
		_, err := ParseMirrors(setting)
		errs = append(errs, err)
		from, to, _ := strings.Cut(setting, "=")
		_, err = New(Options{Mirrors: map[string]string{from: to}})
		errs = append(errs, err)
	}
	for _, config := range []string{
		`{"auths":{"https://bot:s3cret@mirror.example:5000/v2/":{"auth":"Ym90OnMzY3JldA=="}}}`,
		`{"auths":{"bot:s3cret@mirror.example":{"auth":"Ym90OnMzY3JldA=="}}}`,
	} {
		_, err := New(Options{DockerConfig: []byte(config)})
		errs = append(errs, err)
	}

	ctx := context.Background()
	mirror := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
		case strings.Contains(r.URL.Path, "/redirect/"):
			http.Redirect(w, r, "https://bot:s3cret@cdn.example/blob?X-Amz-Signature=s3cret&X-Amz-Expires=300", http.StatusTemporaryRedirect)
		case strings.Contains(r.URL.Path, "/plain/"):
			http.Redirect(w, r, "http://bot:s3cret@cdn.example/blob", http.StatusTemporaryRedirect)
		case strings.Contains(r.URL.Path, "/token/"):
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://bot:s3cret@auth.example/token?access_token=s3cret",service="mirror"`)
			w.WriteHeader(http.StatusUnauthorized)
		default: // an error body quoting a URL with credentials
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"upstream https://bot:s3cret@upstream.example/v2/ failed"}]}`, http.StatusInternalServerError)
		}
	})
	c := newClient(t, Options{
		Mirrors:   map[string]string{"docker.io": "mirror.example"},
		Transport: route(map[string]*httptest.Server{"mirror.example": serve(t, mirror, false)}),
	})
	for _, repo := range []string{"docker.io/redirect/app", "docker.io/plain/app", "docker.io/token/app", "docker.io/broken/app"} {
		_, err := c.Tags(ctx, repo)
		errs = append(errs, err)
		_, err = c.Digest(ctx, repo, "1.0")
		errs = append(errs, err)
		_, err = c.SourceURL(ctx, repo, "1.0")
		errs = append(errs, err)
	}

	for _, err := range errs {
		if err == nil {
			t.Fatal("a bad setting or failing mirror gave no error")
		}
		if msg := err.Error(); strings.Contains(msg, secret) || strings.Contains(msg, user) || strings.Contains(msg, "s3,") {
			t.Errorf("credentials shown: %s", msg)
		}
		t.Log(err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		`Get "https://bot:s3cret@cdn.example/blob?X-Amz-Signature=abc&n=1": EOF`: `Get "https://***@cdn.example/blob?X-Amz-Signature=***&n=1": EOF`,
		`GET https://ghp_token@ghcr.io/v2/: 401`:                                 `GET https://***@ghcr.io/v2/: 401`,
		"realm http://u:p@auth.example:8080?scope=x&token=t#frag":                "realm http://***@auth.example:8080?scope=x&token=***#frag",
		"not found: docker.io/library/nginx@sha256:abc (check the tag)":          "not found: docker.io/library/nginx@sha256:abc (check the tag)",
		"registry unavailable: https://mirror.example/v2/ for x":                 "registry unavailable: https://mirror.example/v2/ for x",
		"path with an at: https://mirror.example/v2/a@b?last=":                   "path with an at: https://mirror.example/v2/a@b?last=",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
