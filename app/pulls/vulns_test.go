package pulls

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/vulns"
	"github.com/composeguard/composeguard/app/vulns/vulnstest"
	"github.com/composeguard/composeguard/templates/markdowntest"
)

func TestMain(m *testing.M) {
	vulnstest.RunIfTrivy()
	os.Exit(m.Run())
}

// tagDigests answers digest lookups from repository:tag, and no source.
type tagDigests struct{ vulnstest.Digests }

func (tagDigests) Tags(context.Context, string) ([]string, error)            { return nil, nil }
func (tagDigests) SourceURL(context.Context, string, string) (string, error) { return "", nil }

// TestGoldenBodyVulnerabilities: the body says what each update fixes and
// brings, comparing the scans of the current and the proposed image; an
// image that could not be scanned is said so, never clean.
func TestGoldenBodyVulnerabilities(t *testing.T) {
	place := func(line int, service string) []bump.Place {
		return []bump.Place{{Tag: bump.Span{File: "compose.yaml", Line: line}, References: []bump.Reference{{Services: []string{service}}}}}
	}
	p := proposals([]bump.Update{
		{Image: "postgres", Repository: "docker.io/library/postgres", Type: bump.UpdateMinor, Group: "stack",
			From: bump.TagDigest{Tag: "16.2"}, To: bump.TagDigest{Tag: "16.6"}, Places: place(3, "db")},
		{Image: "nginx", Repository: "docker.io/library/nginx", Type: bump.UpdatePatch, Group: "stack",
			From: bump.TagDigest{Tag: "1.27.0", Digest: vulnstest.Postgres166}, To: bump.TagDigest{Tag: "1.27.1", Digest: vulnstest.Nginx127}, Places: place(5, "web")},
		{Image: "ghcr.io/acme/app", Repository: "ghcr.io/acme/app", Type: bump.UpdatePatch, Group: "stack",
			From: bump.TagDigest{Tag: "2.0.0"}, To: bump.TagDigest{Tag: "2.0.1"}, Places: place(7, "app")},
		{Image: "redis", Repository: "docker.io/library/redis", Type: bump.UpdatePatch, Group: "stack",
			From: bump.TagDigest{Tag: "7.4.0"}, To: bump.TagDigest{Tag: "7.4.1"}, Places: place(9, "cache")},
	})[0]
	tr := vulnstest.New(t, map[string]string{vulnstest.Postgres162: "postgres-16.2", vulnstest.Postgres166: "postgres-16.6",
		vulnstest.Nginx127: "nginx-1.27", "sha256:" + strings.Repeat("1", 64): vulnstest.DBError, "sha256:" + strings.Repeat("2", 64): "postgres-16.6"})
	w := &repoRun{
		session: &session{
			opts:   Options{Scanner: tr.Scanner(t, vulns.Options{})},
			repo:   forge.Repository{DefaultBranch: "main"},
			base:   forge.Head{SHA: "0123456789abcdef0123456789abcdef01234567"},
			snap:   compose.MapSnapshot{},
			policy: policy.Default(),
			now:    time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC),
		},
		registry: tagDigests{vulnstest.Digests{"docker.io/library/postgres:16.2": vulnstest.Postgres162, "docker.io/library/postgres:16.6": vulnstest.Postgres166,
			"ghcr.io/acme/app:2.0.0": "sha256:" + strings.Repeat("1", 64), "ghcr.io/acme/app:2.0.1": "sha256:" + strings.Repeat("2", 64),
			"docker.io/library/redis:7.4.1": vulnstest.Nginx127}},
	}
	body, err := w.body(t.Context(), p, audit.Score{})
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(body, "### Vulnerabilities")
	end := strings.Index(body, "### Audit score")
	if start < 0 || end < start {
		t.Fatalf("no vulnerabilities section:\n%s", body)
	}
	matchGolden(t, "bump_pr_vulnerabilities.md", body[start:end])
	markdowntest.Check(t, "bump body", body, markdowntest.Allowed{HTML: regexp.MustCompile(`^<!-- composeguard:bump \{.*\} -->$`)})
	// Each digest once: postgres 16.6 and nginx 1.27.0 are one image.
	if n := len(tr.Calls(t)); n != 5 {
		t.Errorf("trivy ran %d times for 5 distinct digests", n)
	}
}
