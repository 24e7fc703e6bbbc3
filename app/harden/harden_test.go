package harden

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/golden"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/registry"
)

var now = time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)

// stack is testdata/compose.yaml with a policy, and a registry Docker Hub
// is mirrored to that holds the stack's images.
type stack struct {
	snap   compose.MapSnapshot
	reg    *bumptest.Registry
	client *registry.Client
}

func newStack(t *testing.T, policyFile string) *stack {
	t.Helper()
	b, err := os.ReadFile("testdata/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg := bumptest.New(t, map[string][]string{
		"library/traefik": {"latest"}, "library/nginx": {"1.27"}, "pihole/pihole": {"2024.07.0"}, "library/postgres": {"16.4"},
	})
	client, err := registry.New(registry.Options{Mirrors: map[string]string{"docker.io": reg.Host}, MaxRetryAfter: time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	snap := compose.MapSnapshot{"compose.yaml": b}
	if policyFile != "" {
		snap[policy.FileName] = []byte(policyFile)
	}
	return &stack{snap: snap, reg: reg, client: client}
}

func (s *stack) harden(t *testing.T, opts Options) *Result {
	t.Helper()
	res, err := Files(t.Context(), s.snap, policy.Read(s.snap), []string{"compose.yaml"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// anonymous replaces the registry's random digests with image:tag names.
func (s *stack) anonymous(text string) string {
	var pairs []string
	for _, it := range [][2]string{{"library/traefik", "latest"}, {"library/nginx", "1.27"}, {"pihole/pihole", "2024.07.0"}, {"library/postgres", "16.4"}} {
		d := s.reg.Digest(it[0], it[1])
		pairs = append(pairs, d, "sha256:<"+it[0]+":"+it[1]+">", shortDigest(d), "sha256:<"+it[1]+">")
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// summary writes what a result says per service, for golden files.
func summary(r *Result) string {
	var b strings.Builder
	for _, f := range r.Files {
		for _, s := range f.Services {
			fmt.Fprintf(&b, "[%s]\n", s.Name)
			for _, c := range s.Changes {
				fmt.Fprintf(&b, "  fixed %s:%d %s: %s → %s\n", or(c.Rule, "pin"), c.Line, f.Path, c.Problem, c.Done)
			}
			for _, l := range s.Left {
				fmt.Fprintf(&b, "  left  %s:%d %s: %s (%s)\n", or(l.Rule, "pin"), l.Line, f.Path, l.Problem, l.Why)
			}
		}
		for _, k := range f.Kept {
			fmt.Fprintf(&b, "kept %s: %s until %s, %s\n", k.Service, k.Exception.Rule, k.Exception.Expires.Format(time.DateOnly), k.Exception.Reason)
		}
	}
	fmt.Fprintf(&b, "score %+v → %+v\n", r.Before, r.After)
	return b.String()
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// TestHardenStack hardens a stack behind a reverse proxy: every mechanical
// fix and a digest for each tag, in the file's own style; the port of the
// proxied site bound to loopback and the DNS server's left as they are; the
// database an exception covers untouched; what needs a person listed.
func TestHardenStack(t *testing.T) {
	s := newStack(t, "")
	res := s.harden(t, Options{Registry: s.client, Now: now})
	f := res.Files[0]
	golden.Check(t, "testdata/compose.yaml.hardened", s.anonymous(string(f.After)))
	golden.Check(t, "testdata/summary.txt", s.anonymous(summary(res)))

	before, after := strings.Split(string(f.Before), "\n"), strings.Split(string(f.After), "\n")
	for _, kept := range []string{`      - "53:53/udp"`, `      - "53:53/tcp"`, "  db:", "    image: postgres:16.4", "      - db:/var/lib/postgresql/data"} {
		if !slices.Contains(after, kept) {
			t.Errorf("%q changed: the DNS server's ports and the database must stay as they are", kept)
		}
	}
	if db := slices.Index(after, "  db:"); strings.Join(after[db:], "\n") != strings.Join(before[slices.Index(before, "  db:"):], "\n") {
		t.Errorf("the database an exception covers was changed:\n%s", strings.Join(after[db:], "\n"))
	}
	if len(f.Kept) != 1 || f.Kept[0].Service != "db" || f.Kept[0].Exception.Reason != "entrypoint drops to postgres with gosu" {
		t.Errorf("kept %+v, want db and its exception", f.Kept)
	}
	for repo, tags := range map[string]int{"docker.io/library/nginx": 0, "docker.io/library/postgres": 0} {
		if n := s.client.RequestsFor(repo)[registry.KindTags]; n != tags {
			t.Errorf("%s: %d tag listings, want none (pinning asks for a digest)", repo, n)
		}
	}
	if n := s.client.RequestsFor("docker.io/library/postgres")[registry.KindDigest]; n != 0 {
		t.Errorf("the kept database's image was looked up %d times", n)
	}
	want := audit.Run(t.Context(), compose.Overlay{Snapshot: s.snap, Files: res.Changed()}, policy.Default(), now).Score
	if res.After != want {
		t.Errorf("score after %+v, the audit of the hardened file says %+v", res.After, want)
	}
	// System Security stays 0 while the proxy mounts the engine socket.
	if res.After.ContainerHardening <= res.Before.ContainerHardening || res.After.ImageSecurity <= res.Before.ImageSecurity ||
		res.After.SystemSecurity != 0 || res.After.Overall <= res.Before.Overall {
		t.Errorf("score %+v → %+v: want hardening and image security up (traefik:latest pinned)", res.Before, res.After)
	}
}

// Offline, nothing is pinned and the result says so; the other fixes are
// the same.
func TestHardenOffline(t *testing.T) {
	s := newStack(t, "")
	res := s.harden(t, Options{Now: now})
	if !res.Offline {
		t.Error("an offline hardening must say tags were not pinned")
	}
	after := string(res.Files[0].After)
	for _, image := range []string{"    image: traefik:latest\n", "    image: nginx:1.27   # the site\n", "    image: 'pihole/pihole:2024.07.0'\n"} {
		if !strings.Contains(after, image) {
			t.Errorf("offline, %q must stay as it is:\n%s", image, after)
		}
	}
	if !strings.Contains(after, "      - \"127.0.0.1:8080:80\"\n") || strings.Count(after, "cap_drop:") != 3 {
		t.Errorf("offline, the other fixes still apply:\n%s", after)
	}
}

// The policy's limits are written; a policy exception keeps every service
// its glob names, whatever its rule; an expired one keeps none.
func TestHardenFollowsThePolicy(t *testing.T) {
	s := newStack(t, `harden:
  memory: 1g
  cpus: 0.5
  pids: 64
exceptions:
  - rule: runs-as-root
    service: "dn*"
    reason: pihole starts as root and drops its privileges
    expires: 2099-12-31
  - rule: hardcoded-secret
    service: web
    reason: a test password
    expires: 2029-12-31
`)
	res := s.harden(t, Options{Registry: s.client, Now: now})
	f := res.Files[0]
	after := string(f.After)
	if strings.Count(after, "memory: 1g") != 2 || strings.Count(after, `cpus: "0.5"`) != 2 || strings.Count(after, "pids: 64") != 2 {
		t.Errorf("the policy's limits must go into proxy and web:\n%s", after)
	}
	if dns := after[strings.Index(after, "  dns:"):strings.Index(after, "  db:")]; strings.Contains(dns, "cap_drop") || strings.Contains(dns, "@sha256") {
		t.Errorf("dns is covered by an exception and must stay as it is:\n%s", dns)
	}
	if n := s.client.RequestsFor("docker.io/pihole/pihole")[registry.KindDigest]; n != 0 {
		t.Errorf("the kept service's image was looked up %d times", n)
	}
	var kept []string
	for _, k := range f.Kept {
		kept = append(kept, k.Service+" "+k.Exception.Rule)
	}
	if strings.Join(kept, ", ") != "db no-new-privileges-missing, dns runs-as-root" {
		t.Errorf("kept %v, want db (inline) and dns (policy); web's exception expired", kept)
	}
	if !strings.Contains(after, "      - \"127.0.0.1:8080:80\"\n") {
		t.Errorf("web's exception expired, so web is hardened:\n%s", after)
	}
}

// A change the project's other deployments cannot take is refused whole:
// here an override loaded on top of the file as a variant sets mem_limit,
// which Compose refuses beside deploy's memory limit.
func TestHardenRefusesWhatAVariantRejects(t *testing.T) {
	snap := compose.MapSnapshot{
		"compose.yaml":              []byte("services:\n  web:\n    image: nginx:1.27\n    read_only: true\n    tmpfs: [/tmp, /run]\n"),
		"compose.prod.override.yml": []byte("services:\n  web:\n    mem_limit: 256m\n"),
	}
	g := audit.Projects(snap, policy.Default())
	if len(g.Plans) != 2 || !g.Plans[1].Variant {
		t.Fatalf("want the override loaded as a variant of compose.yaml: %+v", g.Plans)
	}
	res, err := Files(t.Context(), snap, policy.Default(), []string{"compose.yaml"}, Options{Now: now})
	if err == nil || !strings.Contains(err.Error(), "nothing was changed: compose.prod.override.yml:2 compose-invalid: ") {
		t.Fatalf("got %v, %v: want the hardening refused for the invalid variant", res, err)
	}
}

func TestHardenNeedsAComposeFile(t *testing.T) {
	snap := compose.MapSnapshot{"compose.yaml": []byte("services:\n  web:\n    image: nginx:1.27\n"), "README.md": []byte("# hi\n"),
		"legacy/compose.yaml": []byte("services:\n  old:\n    image: nginx:1.27\n")}
	pol := policy.Parse(policy.FileName, []byte("files:\n  exclude: [\"legacy/**\"]\n"))
	for _, p := range []string{"stack/compose.yaml", "README.md", "legacy/compose.yaml"} {
		if _, err := Files(t.Context(), snap, pol, []string{p}, Options{Now: now}); err == nil || err.Error() != p+": not a compose file the policy selects" {
			t.Errorf("%s: got %v", p, err)
		}
	}
	if res, err := Files(t.Context(), snap, pol.Naming("legacy/compose.yaml"), []string{"legacy/compose.yaml"}, Options{Now: now}); err != nil || len(res.Changed()) != 1 {
		t.Errorf("a file the caller names is hardened: %v", err)
	}
}

func TestHardenLeavesAFileComposeRejects(t *testing.T) {
	snap := compose.MapSnapshot{"compose.yaml": []byte("services:\n  web:\n    image: nginx:1.27\n    ports: 8080\n")}
	res, err := Files(t.Context(), snap, policy.Default(), []string{"compose.yaml"}, Options{Now: now})
	if err != nil || res.Files[0].Unchanged == "" || len(res.Changed()) != 0 {
		t.Fatalf("got %+v, %v: want the file left unchanged, saying why", res, err)
	}
}
