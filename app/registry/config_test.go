package registry

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseMirrors(t *testing.T) {
	good := []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"docker.io=registry.internal:5000,ghcr.io=mirror:5001", map[string]string{"docker.io": "registry.internal:5000", "ghcr.io": "mirror:5001"}},
		{" docker.io = http://registry.internal:5000/dockerhub/ , ,quay.io=https://quay-mirror.example", map[string]string{"docker.io": "http://registry.internal:5000/dockerhub/", "quay.io": "https://quay-mirror.example"}},
	}
	for _, tc := range good {
		got, err := ParseMirrors(tc.in)
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("ParseMirrors(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"docker.io",                         // no mirror
		"=mirror:5000",                      // no registry
		"docker.io=",                        // empty mirror
		"docker.io=a:1,index.docker.io=b:2", // the same registry twice
		"docker.io=bad host",                // not a host
		"docker.io=mirror:5000/Bad Path",
		"http://docker.io=mirror:5000", // the key is a registry name, not a URL
	} {
		if got, err := ParseMirrors(in); err == nil {
			t.Errorf("ParseMirrors(%q) = %v, want an error", in, got)
		}
	}
	// Credentials in a mirror are refused without being repeated: errors are
	// printed and logged.
	for _, in := range []string{
		"docker.io=bot:s3cret@registry.internal:5000",
		"docker.io=https://bot:s3cret@registry.internal:5000/dockerhub",
		"bot:s3cret@registry.internal:5000", // no registry= either
	} {
		_, err := ParseMirrors(in)
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "COMPOSEGUARD_REGISTRY_AUTH_FILE") {
			t.Errorf("ParseMirrors(%q): %v; want an error pointing to the auth file, without the password", in, err)
		}
	}
	if _, err := New(Options{Mirrors: map[string]string{"docker.io": "bot:s3cret@mirror:5000"}}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("New with credentials in a mirror: %v", err)
	}
	if _, err := New(Options{Mirrors: map[string]string{"docker.io": "bad host"}}); err == nil {
		t.Error("New accepted a bad mirror")
	}
	if _, err := New(Options{Insecure: []string{"not a host"}}); err == nil {
		t.Error("New accepted a bad insecure registry")
	}
}

func TestParseDockerConfig(t *testing.T) {
	kc, err := parseDockerConfig([]byte(`{"auths":{
		"https://index.docker.io/v1/": {"auth": "aHViOnB3"},
		"https://ghcr.io": {"username": "bot", "password": "ghp"},
		"registry.example:5000/v2/": {"identitytoken": "refresh"},
		"quay.io": {}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	hosts := slices.Sorted(maps.Keys(kc))
	if want := []string{"ghcr.io", "index.docker.io", "registry.example:5000"}; !slices.Equal(hosts, want) {
		t.Errorf("hosts = %v, want %v (empty entries skipped)", hosts, want)
	}
	if a := kc["index.docker.io"]; a.Username != "hub" || a.Password != "pw" {
		t.Errorf("docker hub auth = %+v, want the decoded auth field", a)
	}
	for _, key := range []string{"docker.io", "registry-1.docker.io", "https://registry-1.docker.io/v2/"} {
		kc, err := parseDockerConfig([]byte(`{"auths":{"` + key + `":{"auth":"aHViOnB3"}}}`))
		if _, ok := kc["index.docker.io"]; err != nil || !ok {
			t.Errorf("key %q: %v, %v; want index.docker.io", key, kc, err)
		}
	}
	if kc, err := parseDockerConfig(nil); err != nil || len(kc) != 0 {
		t.Errorf("no config: %v, %v", kc, err)
	}
	for _, bad := range []string{
		`{"auths":`,
		`{"credsStore":"desktop","auths":{"ghcr.io":{}}}`,
		`{"credHelpers":{"123.dkr.ecr.eu-west-1.amazonaws.com":"ecr-login"}}`,
		`{"auths":{"ghcr.io":{"auth":"not base64!"}}}`,
	} {
		if _, err := New(Options{DockerConfig: []byte(bad)}); err == nil {
			t.Errorf("New accepted docker config %s", bad)
		} else if strings.Contains(bad, "cred") && !strings.Contains(err.Error(), "auths") {
			t.Errorf("helper error %q does not say what to do", err)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	limit := 5 * time.Second
	for _, tc := range []struct {
		header string
		want   time.Duration
	}{
		{"", time.Second},
		{"2", 2 * time.Second},
		{"3600", limit},
		{"-1", 0},
		{"soon", time.Second},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0},
		{time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), limit},
	} {
		if got := retryDelay(tc.header, limit); got != tc.want {
			t.Errorf("retryDelay(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}
