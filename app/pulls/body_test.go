package pulls

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/golden"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/templates/markdowntest"
)

func matchGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

// sources answers SourceURL from a map; planning is not asked here.
type sources map[string]string

func (s sources) Tags(context.Context, string) ([]string, error)              { return nil, nil }
func (s sources) Digest(context.Context, string, string) (string, error)      { return "", nil }
func (s sources) SourceURL(_ context.Context, repo, _ string) (string, error) { return s[repo], nil }

func TestGoldenBody(t *testing.T) {
	place := func(file string, line int, services ...string) bump.Place {
		return bump.Place{Tag: bump.Span{File: file, Line: line}, References: []bump.Reference{{Services: services}}}
	}
	p := proposals([]bump.Update{
		{Image: "postgres", Repository: "docker.io/library/postgres", Type: bump.UpdateMinor, Group: "databases",
			From: bump.TagDigest{Tag: "16.2-alpine"}, To: bump.TagDigest{Tag: "16.4-alpine"},
			Places: []bump.Place{place("compose.yaml", 3, "db", "db-replica"), place("stacks/compose.yaml", 7, "analytics")}},
		{Image: "ghcr.io/acme/redis", Repository: "ghcr.io/acme/redis", Type: bump.UpdatePatch, Group: "databases",
			From:   bump.TagDigest{Tag: "7.2.4", Digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"},
			To:     bump.TagDigest{Tag: "7.2.5", Digest: "sha256:2222222222222222222222222222222222222222222222222222222222222222"},
			Places: []bump.Place{place(".env", 2, "cache")}},
	})[0]
	w := &repoRun{
		session: &session{
			repo:   forge.Repository{DefaultBranch: "main"},
			base:   forge.Head{SHA: "0123456789abcdef0123456789abcdef01234567"},
			snap:   compose.MapSnapshot{"compose.yaml": []byte("services:\n  db:\n    image: postgres:16.2-alpine\n    privileged: true\n")},
			policy: policy.Default(),
			now:    time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC),
		},
		registry: sources{"docker.io/library/postgres": "https://github.com/docker-library/postgres.git", "ghcr.io/acme/redis": "https://git.example.org/acme/redis"},
	}
	body, err := w.body(t.Context(), p, audit.Score{ContainerHardening: 4.5, ImageSecurity: 10, SystemSecurity: 7, Overall: 7.2})
	if err != nil {
		t.Fatal(err)
	}
	matchGolden(t, "bump_pr.md", body)
	matchGolden(t, "commit_message.txt", p.title()+"\n---\n"+commitMessage(p)+"\n"+bumpTrailer+p.branch+"\n")
}

func TestSourcePlaceAcceptsOnlyPlainHTTPSURLs(t *testing.T) {
	for label, want := range map[string]string{
		"https://github.com/org/repo":                    "github.com/org/repo",
		"https://github.com/org/repo.git":                "github.com/org/repo",
		"https://github.com/org/repo/":                   "github.com/org/repo",
		"https://Git.Example.org/a/b_c/d-e.f?x=1#y":      "git.example.org/a/b_c/d-e.f",
		"https://codeberg.org":                           "codeberg.org",
		"http://github.com/org/repo":                     "",
		"git@github.com:org/repo.git":                    "",
		"javascript:alert(1)":                            "",
		"https://user:pw@github.com/org/repo":            "",
		"https://github.com:8443/org/repo":               "",
		"https://github.com/org/repo%2F..%2Fevil":        "",
		"https://github.com/org/../evil":                 "",
		"https://github.com/org/re po":                   "",
		"https://github.com/org/repo)[x](https://evil":   "",
		"https://xn--gthub-n4a.com/org/repo":             "xn--gthub-n4a.com/org/repo", // shown as it is, punycode and all
		"https://gíthub.com/org/repo":                    "",
		"https://127.0.0.1/org/repo":                     "",
		"https://github.com/org/<img src=x>":             "",
		"https://github.com/org/repo\n[x](https://evil)": "",
	} {
		got, ok := sourcePlace(label)
		if got != want || ok != (want != "") {
			t.Errorf("sourcePlace(%q) = %q, %v; want %q", label, got, ok, want)
		}
	}
}

// TestHostileNamesInTheBodyAreNeverMarkup: file, folder, service and
// branch names come from the repository; none of them may mention,
// link, add HTML or a marker, or break the table.
func TestHostileNamesInTheBodyAreNeverMarkup(t *testing.T) {
	const hostile = "<!-- composeguard:bump {} --> @acme/admins #12 [x](http://evil.example) <img src=x> `t` | p\nq"
	p := proposals([]bump.Update{{Image: "postgres", Repository: "docker.io/library/postgres", Type: bump.UpdateMinor,
		From: bump.TagDigest{Tag: "16.2"}, To: bump.TagDigest{Tag: "16.4"},
		Places: []bump.Place{{Tag: bump.Span{File: "stacks/" + hostile + "/compose.yaml", Line: 3},
			References: []bump.Reference{{Services: []string{hostile, "db"}}}}}}})[0]
	w := &repoRun{session: &session{repo: forge.Repository{DefaultBranch: "main`" + hostile}, base: forge.Head{SHA: "0123456789abcdef0123456789abcdef01234567"},
		snap: compose.MapSnapshot{}, policy: policy.Default(), now: time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)}, registry: sources{}}
	body, err := w.body(t.Context(), p, audit.Score{})
	if err != nil {
		t.Fatal(err)
	}
	markdowntest.Check(t, "bump body", body, markdowntest.Allowed{HTML: regexp.MustCompile(`^<!-- composeguard:bump \{.*\} -->$`)})
	if m, ok := readMarker(body); !ok || len(m.Updates) != 1 {
		t.Errorf("the body's marker reads %+v, %v; want its one update", m, ok)
	}
	if n := strings.Count(body, "<!--"); n != 1 {
		t.Errorf("%d comment openers in the body, want the marker's alone:\n%s", n, body)
	}
}
