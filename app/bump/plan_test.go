package bump

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/registry"
)

// summary prints an update the way a reviewer reads it.
func summary(u Update) string {
	var places []string
	for _, p := range u.Places {
		places = append(places, fmt.Sprintf("%s:%d[%s]", p.Tag.File, p.Tag.Line, strings.Join(p.Services(), ",")))
	}
	group := ""
	if u.Group != "" {
		group = " group=" + u.Group
	}
	return fmt.Sprintf("%s %s → %s %s%s %s", u.Image, u.From, u.To, u.Type, group, strings.Join(places, " "))
}

func planFor(t *testing.T, client Registry, files compose.MapSnapshot, cfg Config) *Plan {
	t.Helper()
	var names []string
	for _, p := range files.Paths() {
		if strings.HasSuffix(p, ".yaml") {
			names = append(names, p)
		}
	}
	return PlanUpdates(context.Background(), client, Extract(files, names), cfg)
}

func newClient(t *testing.T) *registry.Client {
	t.Helper()
	c, err := registry.New(registry.Options{AllowPrivate: []string{"127.0.0.1"}, MaxRetryAfter: time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func updateLines(p *Plan) []string {
	var out []string
	for _, u := range p.Updates {
		out = append(out, summary(u))
	}
	return out
}

func skippedLines(p *Plan) []string {
	var out []string
	for _, s := range p.Skipped {
		out = append(out, fmt.Sprintf("%s:%d[%s] unknown=%v %s", s.File, s.Line, strings.Join(s.Services, ","), s.Unknown, s.Reason))
	}
	return out
}

func TestPlanUpdates(t *testing.T) {
	reg := bumptest.New(t, map[string][]string{
		"library/postgres": bumptest.PostgresTags,
		"library/nginx":    bumptest.NginxTags,
		"library/traefik":  bumptest.TraefikTags,
	})
	h := reg.Host
	at := func(repo, tag string) string { return tag + "@" + reg.Digest(repo, tag) }

	t.Run("defaults: newest non-major and newest major, one update for every place", func(t *testing.T) {
		client := newClient(t)
		plan := planFor(t, client, compose.MapSnapshot{
			"compose.yaml": []byte("services:\n  db:\n    image: " + h + "/library/postgres:15.4-alpine3.19\n  web:\n    image: " + h + "/library/nginx:1.25\n" +
				"  proxy:\n    image: " + h + "/library/traefik:v2.11.3\n  edge:\n    image: " + h + "/library/nginx:stable\n"),
			"stack/compose.yaml": []byte("services:\n  web:\n    image: " + h + "/library/nginx:1.25\n"),
		}, Config{})
		wantLines(t, "updates", updateLines(plan), []string{
			h + "/library/nginx 1.25 → 1.27 minor compose.yaml:5[web] stack/compose.yaml:3[web]",
			h + "/library/postgres 15.4-alpine3.19 → 15.5-alpine3.19 minor compose.yaml:3[db]",
			h + "/library/postgres 15.4-alpine3.19 → 16.1-alpine3.19 major compose.yaml:3[db]",
			// The v stays: 2.11.5 is newer but would drop it.
			h + "/library/traefik v2.11.3 → v2.11.4 patch compose.yaml:7[proxy]",
			h + "/library/traefik v2.11.3 → v3.2.0 major compose.yaml:7[proxy]",
		})
		wantLines(t, "skipped", skippedLines(plan), []string{
			"compose.yaml:9[edge] unknown=false stable is not a version, so there is no newer tag to move to; pin its digest (pin_digests) to keep the digest current",
		})
		for _, repo := range []string{"library/postgres", "library/nginx", "library/traefik"} {
			if n := client.RequestsFor(h + "/" + repo); n[registry.KindTags] != 1 || n[registry.KindDigest] != 0 {
				t.Errorf("%s: requests %v, want one tag listing and no digest", repo, n)
			}
		}
		toWrite := func(cfg Config, withMajors bool) []string {
			out := []string{}
			for _, u := range plan.ToWrite(cfg, withMajors) {
				out = append(out, u.Image+" "+u.To.String())
			}
			return out
		}
		wantLines(t, "written by default", toWrite(Config{}, false),
			[]string{h + "/library/nginx 1.27", h + "/library/postgres 15.5-alpine3.19", h + "/library/traefik v2.11.4"})
		wantLines(t, "written with majors", toWrite(Config{}, true),
			[]string{h + "/library/nginx 1.27", h + "/library/postgres 16.1-alpine3.19", h + "/library/traefik v3.2.0"})
		majorTraefik := Config{Rules: []Rule{{Images: []string{"*/library/traefik"}, UpdateTypes: []UpdateType{UpdateMinor, UpdateMajor}}}}
		wantLines(t, "written with major in traefik's update_types", toWrite(majorTraefik, false),
			[]string{h + "/library/nginx 1.27", h + "/library/postgres 15.5-alpine3.19", h + "/library/traefik v3.2.0"})
	})

	t.Run("digests follow their tag, are refreshed, and pinned on request", func(t *testing.T) {
		client := newClient(t)
		plan := planFor(t, client, compose.MapSnapshot{
			"compose.yaml": []byte("services:\n  web:\n    image: " + h + "/library/nginx:" + at("library/nginx", "1.25") +
				"\n  stale:\n    image: " + h + "/library/nginx:latest@" + reg.Digest("library/nginx", "1.25") +
				"\n  fresh:\n    image: " + h + "/library/traefik:" + at("library/traefik", "v3.2.0") +
				"\n  pinme:\n    image: " + h + "/library/postgres:17.2\n"),
		}, Config{Rules: []Rule{{Images: []string{"*/library/postgres"}, PinDigests: ptr(true)}}})
		wantLines(t, "updates", updateLines(plan), []string{
			h + "/library/nginx " + at("library/nginx", "1.25") + " → " + at("library/nginx", "1.27") + " minor compose.yaml:3[web]",
			h + "/library/nginx latest@" + reg.Digest("library/nginx", "1.25") + " → " + at("library/nginx", "latest") + " digest compose.yaml:5[stale]",
			h + "/library/postgres 17.2 → " + at("library/postgres", "17.2") + " pin compose.yaml:9[pinme]",
		})
		wantLines(t, "skipped", skippedLines(plan), nil)
		for repo, digests := range map[string]int{"library/nginx": 2, "library/traefik": 1, "library/postgres": 1} {
			if n := client.RequestsFor(h + "/" + repo); n[registry.KindTags] != 1 || n[registry.KindDigest] != digests {
				t.Errorf("%s: requests %v, want one tag listing and %d digests", repo, n, digests)
			}
		}
	})

	t.Run("the policy's rules: update types, ignored images and versions, suffix advance, groups", func(t *testing.T) {
		plan := planFor(t, newClient(t), compose.MapSnapshot{
			"compose.yaml": []byte("services:\n  db:\n    image: " + h + "/library/postgres:15.4-alpine3.19\n  web:\n    image: " + h + "/library/nginx:1.25\n" +
				"  proxy:\n    image: " + h + "/library/traefik:v2.11.3\n"),
		}, Config{Rules: []Rule{
			{Images: []string{"*/library/postgres"}, AllowSuffixAdvance: ptr(true), IgnoreVersions: []string{"17*"}, Group: ptr("databases")},
			{Images: []string{"*/library/nginx"}, Ignore: ptr(true)},
			{Images: []string{"*/library/traefik"}, UpdateTypes: []UpdateType{UpdatePatch}},
		}})
		wantLines(t, "updates", updateLines(plan), []string{
			h + "/library/postgres 15.4-alpine3.19 → 15.6-alpine3.20 minor group=databases compose.yaml:3[db]",
			h + "/library/postgres 15.4-alpine3.19 → 16.6-alpine3.21 major group=databases compose.yaml:3[db]",
			h + "/library/traefik v2.11.3 → v2.11.4 patch compose.yaml:7[proxy]",
		})
		wantLines(t, "skipped", skippedLines(plan), []string{"compose.yaml:5[web] unknown=false ignored by the policy"})
	})

	t.Run("a failing registry makes its images unknown, never up to date", func(t *testing.T) {
		broken, limited := bumptest.Failing(t, http.StatusInternalServerError), bumptest.Failing(t, http.StatusTooManyRequests)
		plan := planFor(t, newClient(t), compose.MapSnapshot{
			"compose.yaml": []byte("services:\n  db:\n    image: " + broken + "/library/postgres:16.2\n  cache:\n    image: " + limited + "/library/redis:7.2\n" +
				"  web:\n    image: " + h + "/library/nginx:1.25\n"),
		}, Config{})
		wantLines(t, "updates", updateLines(plan), []string{h + "/library/nginx 1.25 → 1.27 minor compose.yaml:7[web]"})
		if !plan.Unknown() || len(plan.Skipped) != 2 {
			t.Fatalf("skipped %v, want both failing images unknown", skippedLines(plan))
		}
		for i, status := range []string{"HTTP 500", "HTTP 429"} {
			if s := plan.Skipped[i]; !s.Unknown || !strings.HasPrefix(s.Reason, "registry unavailable: ") || !strings.Contains(s.Reason, status) {
				t.Errorf("skipped %+v, want unknown with %s", s, status)
			}
		}
	})
}

// stubRegistry serves tag lists from memory with made-up digests; a repo
// listed in failDigests answers tags but not digests.
type stubRegistry struct {
	tags        map[string][]string
	failDigests map[string]bool
}

func (s stubRegistry) Tags(_ context.Context, repo string) ([]string, error) {
	tags, ok := s.tags[repo]
	if !ok {
		return nil, fmt.Errorf("%s: %w", repo, registry.ErrUnknown)
	}
	return tags, nil
}

func (s stubRegistry) Digest(_ context.Context, repo, tag string) (string, error) {
	if s.failDigests[repo] {
		return "", fmt.Errorf("digest of %s: registry timed out", tag)
	}
	return stubDigest(repo, tag), nil
}

func stubDigest(repo, tag string) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(repo+":"+tag)))
}

func TestPlanDigestFailureIsUnknown(t *testing.T) {
	reg := stubRegistry{tags: map[string][]string{"docker.io/library/nginx": bumptest.NginxTags}, failDigests: map[string]bool{"docker.io/library/nginx": true}}
	plan := planFor(t, reg, compose.MapSnapshot{"compose.yaml": []byte("services:\n  web:\n    image: nginx:1.25@" + digestA + "\n")}, Config{})
	if len(plan.Updates) != 0 || !plan.Unknown() || !strings.Contains(plan.Skipped[0].Reason, "digest of 1.27: registry timed out") {
		t.Errorf("plan %v / %v, want the update withheld as unknown", updateLines(plan), skippedLines(plan))
	}
}

func ptr[T any](v T) *T { return &v }

// countingRegistry counts the tag lists asked for.
type countingRegistry struct {
	stubRegistry
	tags atomic.Int32
}

func (c *countingRegistry) Tags(ctx context.Context, repo string) ([]string, error) {
	c.tags.Add(1)
	return c.stubRegistry.Tags(ctx, repo)
}

// Lookups is what a progress line counts to: one per repository asked
// about, whatever the number of places using it, none for an ignored one.
func TestLookupsCountsTheRegistryCalls(t *testing.T) {
	files := compose.MapSnapshot{"compose.yaml": []byte("services:\n  a:\n    image: nginx:1.25\n  b:\n    image: nginx:1.25\n  c:\n    image: docker.io/library/nginx:1.26\n" +
		"  d:\n    image: postgres:16\n  e:\n    image: redis:7\n")}
	cfg := Config{Rules: []Rule{{Images: []string{"*/library/redis"}, Ignore: ptr(true)}}}
	reg := &countingRegistry{stubRegistry: stubRegistry{tags: map[string][]string{"docker.io/library/nginx": bumptest.NginxTags, "docker.io/library/postgres": {"16", "17"}}}}
	inv := Extract(files, []string{"compose.yaml"})
	PlanUpdates(context.Background(), reg, inv, cfg)
	if got, want := inv.Lookups(cfg), int(reg.tags.Load()); got != want || want != 2 {
		t.Errorf("Lookups %d, the plan asked for %d tag lists (want 2: nginx and postgres)", got, want)
	}
}

// PlanPins pins what is written with a tag alone to that tag's digest, asks
// one digest per image and tag and no tag list, and Apply writes the digest
// right after the tag.
func TestPlanPinsAddsTheTagsDigest(t *testing.T) {
	reg := bumptest.New(t, map[string][]string{"library/nginx": bumptest.NginxTags, "library/postgres": bumptest.PostgresTags})
	broken := bumptest.Failing(t, http.StatusInternalServerError)
	h := reg.Host
	files := compose.MapSnapshot{"compose.yaml": []byte("services:\n  web:\n    image: " + h + "/library/nginx:1.27   # the site\n" +
		"  edge:\n    image: \"" + h + "/library/nginx:1.27\"\n" +
		"  db:\n    image: " + h + "/library/postgres:16.6@" + reg.Digest("library/postgres", "16.6") + "\n" +
		"  cache:\n    image: " + h + "/library/postgres:latest\n" +
		"  old:\n    image: " + h + "/library/redis:6\n" +
		"  down:\n    image: " + broken + "/library/redis:7\n")}
	client := newClient(t)
	inv := Extract(files, []string{"compose.yaml"})
	cfg := Config{Rules: []Rule{{Images: []string{"*/library/redis"}, Ignore: ptr(true)}, {Images: []string{broken + "/library/redis"}, Ignore: ptr(false)}}}
	plan := PlanPins(t.Context(), client, inv.References, cfg)
	wantLines(t, "pins", updateLines(plan), []string{
		h + "/library/nginx 1.27 → " + "1.27@" + reg.Digest("library/nginx", "1.27") + " pin compose.yaml:3[web] compose.yaml:5[edge]",
		h + "/library/postgres latest → " + "latest@" + reg.Digest("library/postgres", "latest") + " pin compose.yaml:9[cache]",
	})
	if s := skippedLines(plan); len(s) != 2 || s[0] != "compose.yaml:11[old] unknown=false ignored by the policy" ||
		s[1] != "compose.yaml:13[down] unknown=true "+plan.Skipped[1].Reason || !strings.HasPrefix(plan.Skipped[1].Reason, "registry unavailable: ") {
		t.Errorf("skipped:\n%s\nwant the failing registry unknown and the ignored image", strings.Join(s, "\n"))
	}
	for repo, want := range map[string]int{"library/nginx": 1, "library/postgres": 1} {
		if n := client.RequestsFor(h + "/" + repo); n[registry.KindTags] != 0 || n[registry.KindDigest] != want {
			t.Errorf("%s: requests %v, want %d digest and no tag list", repo, n, want)
		}
	}
	changed, err := Apply(t.Context(), files, []string{"compose.yaml"}, plan.Updates)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("nginx:1.27   #", "nginx:1.27@"+reg.Digest("library/nginx", "1.27")+"   #",
		"nginx:1.27\"", "nginx:1.27@"+reg.Digest("library/nginx", "1.27")+"\"",
		"postgres:latest", "postgres:latest@"+reg.Digest("library/postgres", "latest")).Replace(string(files["compose.yaml"]))
	if got := string(changed["compose.yaml"]); got != want {
		t.Errorf("pinned file:\n%s\nwant:\n%s", got, want)
	}
}
