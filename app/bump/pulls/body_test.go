package pulls

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/review"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./app/bump/pulls -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test ./app/bump/pulls -run Golden -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
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
		repo:     forge.Repository{DefaultBranch: "main"},
		base:     forge.Head{SHA: "0123456789abcdef0123456789abcdef01234567"},
		snap:     compose.MapSnapshot{"compose.yaml": []byte("services:\n  db:\n    image: postgres:16.2-alpine\n    privileged: true\n")},
		policy:   policy.Default(),
		registry: sources{"docker.io/library/postgres": "https://github.com/docker-library/postgres.git", "ghcr.io/acme/redis": "https://git.example.org/acme/redis"},
		now:      time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC),
	}
	body, err := w.body(t.Context(), p, review.Score{ContainerHardening: 4.5, ImageSecurity: 10, SystemSecurity: 7, Overall: 7.2})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "bump_pr.md", body)
	golden(t, "commit_message.txt", p.title()+"\n---\n"+commitMessage(p))
}
