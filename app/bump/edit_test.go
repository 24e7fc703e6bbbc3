package bump

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/golden"
)

func TestApplyGolden(t *testing.T) {
	reg := stubRegistry{tags: map[string][]string{
		"docker.io/library/postgres":      {"17-alpine", "18", "18-alpine", "18.1", "18.1-alpine", "19-alpine"},
		"docker.io/library/redis":         {"7.4-alpine", "alpine", "latest"},
		"ghcr.io/goauthentik/server":      {"2026.2.2", "2026.2.3", "2026.8.1", "2026.8.1-rc1"},
		"docker.io/valkey/valkey":         {"8", "9", "9.1"},
		"docker.io/glitchtip/glitchtip":   {"6.1.0", "6.1.2", "6.2.0", "v6.3.0"},
		"docker.io/chatwoot/chatwoot":     {"v4.12.1", "v4.12.2", "4.13.0", "v4.13.0-rc1"},
		"docker.io/pgvector/pgvector":     {"pg16", "pg17", "0.8.0-pg16"},
		"docker.io/photoprism/photoprism": {"latest", "250321"},
		"docker.io/library/mariadb":       {"10", "11", "11.4", "12"},
	}}
	cfg := Config{Rules: []Rule{{Images: []string{"photoprism/*"}, PinDigests: ptr(true)}}}
	cases := map[string][]string{
		"authentik": {
			"postgres 18-alpine → 19-alpine major docker-compose.yml:4[postgresql]",
			"ghcr.io/goauthentik/server 2026.2.2 → 2026.8.1 minor docker-compose.yml:37[server] docker-compose.yml:60[worker]",
		},
		"glitchtip": {
			"glitchtip/glitchtip 6.1.0 → 6.2.0 minor docker-compose.yml:28[web] docker-compose.yml:37[worker] docker-compose.yml:45[migrate]",
		},
		"chatwoot": {
			"chatwoot/chatwoot v4.12.1 → v4.12.2 patch docker-compose.yml:4[chatwoot,chatwoot-worker]",
		},
		"photoprism": {
			"mariadb 11 → 12 major docker-compose.yml:56[mariadb]",
			"photoprism/photoprism latest → latest@" + stubDigest("docker.io/photoprism/photoprism", "latest") + " pin docker-compose.yml:3[photoprism]",
		},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			original, err := os.ReadFile(filepath.Join(dir, "docker-compose.yml"))
			if err != nil {
				t.Fatal(err)
			}
			snap := compose.MapSnapshot{"docker-compose.yml": original}
			files := []string{"docker-compose.yml"}
			plan := PlanUpdates(context.Background(), reg, Extract(snap, files), cfg)
			newest := plan.ToWrite(cfg, true)
			var got []string
			for _, u := range newest {
				got = append(got, summary(u))
			}
			wantLines(t, "applied updates", got, want)

			changed, err := Apply(context.Background(), snap, files, newest)
			if err != nil {
				t.Fatal(err)
			}
			edited := changed["docker-compose.yml"]
			golden.Check(t, filepath.Join(dir, "docker-compose.yml.golden"), string(edited))
			// Only image lines change; every other byte, line ending included, stays.
			before, after := strings.SplitAfter(string(original), "\n"), strings.SplitAfter(string(edited), "\n")
			if len(before) != len(after) {
				t.Fatalf("line count changed: %d → %d", len(before), len(after))
			}
			for i := range before {
				if before[i] != after[i] && !strings.Contains(before[i], "image:") {
					t.Errorf("line %d changed but holds no image: %q → %q", i+1, before[i], after[i])
				}
			}

			// Applied, the plan has nothing left to do.
			again := PlanUpdates(context.Background(), reg, Extract(compose.MapSnapshot{"docker-compose.yml": edited}, files), cfg)
			if len(again.Updates) != 0 {
				t.Errorf("after applying, still proposed: %v", updateLines(again))
			}
		})
	}
}

// A byte order mark shifts every byte of the first line by three while
// yaml.v3 counts no column for it: an edit there must land on the tag and
// leave the mark, and every other byte, as it was.
func TestApplyKeepsByteOrderMark(t *testing.T) {
	file := "\ufeffservices: {web: {image: nginx:1.25}}\r\n"
	snap := compose.MapSnapshot{"compose.yaml": []byte(file)}
	files := []string{"compose.yaml"}
	reg := stubRegistry{tags: map[string][]string{"docker.io/library/nginx": {"1.25", "1.26"}}}
	plan := PlanUpdates(context.Background(), reg, Extract(snap, files), Config{})
	if len(plan.Updates) != 1 {
		t.Fatalf("updates %v, want nginx 1.25 → 1.26", updateLines(plan))
	}
	changed, err := Apply(context.Background(), snap, files, plan.Updates)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(changed["compose.yaml"]), strings.Replace(file, "1.25", "1.26", 1); got != want {
		t.Errorf("edited file %q, want %q", got, want)
	}
}

func TestApplyRefusesWhatItCannotDoSafely(t *testing.T) {
	file := []byte("services:\n  web:\n    image: nginx:1.25\n")
	snap := compose.MapSnapshot{"compose.yaml": file}
	files := []string{"compose.yaml"}
	reg := stubRegistry{tags: map[string][]string{"docker.io/library/nginx": {"1.25", "1.26", "2.0"}}}
	plan := PlanUpdates(context.Background(), reg, Extract(snap, files), Config{})
	if len(plan.Updates) != 2 {
		t.Fatalf("updates %v, want a minor and a major", updateLines(plan))
	}

	t.Run("two updates of the same bytes", func(t *testing.T) {
		if _, err := Apply(context.Background(), snap, files, plan.Updates); err == nil || !strings.Contains(err.Error(), "two updates edit the same bytes") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a file changed since planning", func(t *testing.T) {
		moved := compose.MapSnapshot{"compose.yaml": []byte("services:\n  web:\n    image: nginx:1.24\n")}
		if _, err := Apply(context.Background(), moved, files, plan.Updates[:1]); err == nil || !strings.Contains(err.Error(), "plan again") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an edit that would not read back as intended", func(t *testing.T) {
		u := plan.Updates[0]
		u.To.Tag = "1.26 # oops"
		if _, err := Apply(context.Background(), snap, files, []Update{u}); err == nil || !strings.Contains(err.Error(), `instead of "nginx:1.26 # oops"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an edit that Compose would reject", func(t *testing.T) {
		// The .env variable also sets a value Compose checks against a range.
		snap := compose.MapSnapshot{
			"compose.yaml": []byte("services:\n  app:\n    image: org/app:${TAG}\n    oom_score_adj: ${TAG}\n"),
			".env":         []byte("TAG=999\n"),
		}
		reg := stubRegistry{tags: map[string][]string{"docker.io/org/app": {"999", "1001"}}}
		plan := PlanUpdates(context.Background(), reg, Extract(snap, files), Config{})
		if len(plan.Updates) != 1 {
			t.Fatalf("updates %v", updateLines(plan))
		}
		_, err := Apply(context.Background(), snap, files, plan.Updates)
		if err == nil || !strings.Contains(err.Error(), "Compose would reject compose.yaml") || !strings.Contains(err.Error(), "oom_score_adj") {
			t.Errorf("err = %v", err)
		}
	})
	if !slices.Equal(snap["compose.yaml"], file) {
		t.Error("Apply changed its snapshot")
	}
}
