package compose

import (
	"strings"
	"testing"
)

func TestParseImage(t *testing.T) {
	sha := "sha256:" + strings.Repeat("ab", 32)
	cases := []struct {
		in                    string
		registry, repo        string
		tag, digest, familiar string
	}{
		{"nginx", "docker.io", "library/nginx", "", "", "nginx"},
		{"nginx:1.27", "docker.io", "library/nginx", "1.27", "", "nginx:1.27"},
		{"nginx:latest", "docker.io", "library/nginx", "latest", "", "nginx:latest"},
		{"library/nginx:1", "docker.io", "library/nginx", "1", "", "nginx:1"},
		{"docker.io/nginx", "docker.io", "library/nginx", "", "", "nginx"},
		{"index.docker.io/library/nginx", "docker.io", "library/nginx", "", "", "nginx"},
		{"grafana/grafana:11.0.0", "docker.io", "grafana/grafana", "11.0.0", "", "grafana/grafana:11.0.0"},
		{"docker.io/library/a/b", "docker.io", "library/a/b", "", "", "library/a/b"},
		{"ghcr.io/org/app:v1.2.3", "ghcr.io", "org/app", "v1.2.3", "", "ghcr.io/org/app:v1.2.3"},
		// a port is not a tag
		{"registry:5000/app", "registry:5000", "app", "", "", "registry:5000/app"},
		{"registry:5000/app:2", "registry:5000", "app", "2", "", "registry:5000/app:2"},
		{"localhost/x", "localhost", "x", "", "", "localhost/x"},
		{"localhost:5000/x/y:dev", "localhost:5000", "x/y", "dev", "", "localhost:5000/x/y:dev"},
		// without a slash, localhost:5000 is the image localhost tagged 5000
		{"localhost:5000", "docker.io", "library/localhost", "5000", "", "localhost:5000"},
		{"[::1]:5000/app", "[::1]:5000", "app", "", "", "[::1]:5000/app"},
		// an upper-case first component is a registry
		{"Registry/app", "Registry", "app", "", "", "Registry/app"},
		{"nginx@" + sha, "docker.io", "library/nginx", "", sha, "nginx@" + sha},
		{"nginx:1.27@" + sha, "docker.io", "library/nginx", "1.27", sha, "nginx:1.27@" + sha},
		{"quay.io/a/b:Tag_1-x.y", "quay.io", "a/b", "Tag_1-x.y", "", "quay.io/a/b:Tag_1-x.y"},
		{"a__b/c-d---e/f.g_h", "docker.io", "a__b/c-d---e/f.g_h", "", "", "a__b/c-d---e/f.g_h"},
		{"nginx@sha512:" + strings.Repeat("0", 128), "docker.io", "library/nginx", "", "sha512:" + strings.Repeat("0", 128), "nginx@sha512:" + strings.Repeat("0", 128)},
	}
	for _, tc := range cases {
		r, err := ParseImage(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if r.Registry != tc.registry || r.Repository != tc.repo || r.Tag != tc.tag || r.Digest != tc.digest {
			t.Errorf("%q = %+v", tc.in, r)
		}
		if r.Familiar() != tc.familiar {
			t.Errorf("%q: Familiar() = %q, want %q", tc.in, r.Familiar(), tc.familiar)
		}
		if want := tc.registry + "/" + tc.repo; r.Name() != want || !strings.HasPrefix(r.String(), want) {
			t.Errorf("%q: Name() = %q, String() = %q", tc.in, r.Name(), r.String())
		}
	}
}

func TestParseImageRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"Nginx",
		"nginx:Latest/x",
		"library/Nginx:1",
		"ghcr.io/Org/app",
		"nginx:",
		"nginx:.1",
		"nginx:-1",
		"nginx:" + strings.Repeat("a", 129),
		"nginx@sha256:abc",
		"nginx@sha256:" + strings.Repeat("AB", 32),
		"nginx@md5:" + strings.Repeat("a", 32),
		"nginx@",
		"registry:/app",
		"registry:port/app",
		"-registry.io/app",
		"registry.io-/app",
		"a..b/app",
		"nginx:1:2",
		"my app",
		"app/",
		"/app",
		"a//b",
		"-app",
		"app-",
		"a._b",
		"a___b",
		"a.-b",
		strings.Repeat("ab", 32), // an image ID
		"docker.io/" + strings.Repeat("a", 250),
		"ex_ample.com/app", // Docker parses it with no registry at all, which cannot be pulled
	} {
		if r, err := ParseImage(in); err == nil {
			t.Errorf("%q: accepted as %+v", in, r)
		}
	}
}
