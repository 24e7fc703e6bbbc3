package pulls_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/templates/markdowntest"
)

const (
	hardenBranch = "composeguard/harden-stack-compose.yaml"
	hardenFile   = "stack/compose.yaml"
	// A site behind Caddy, a DNS server and a database an exception keeps.
	hardenStack = "services:\n" +
		"  web:\n" +
		"    image: nginx:1.27   # the site\n" +
		"    labels:\n" +
		"      caddy: example.org\n" +
		"    ports:\n" +
		"      - \"8080:80\"\n" +
		"  dns:\n" +
		"    image: 'coredns/coredns:1.11.3'\n" +
		"    ports:\n" +
		"      - \"53:53/udp\"\n" +
		"  db:\n" +
		"    # composeguard:ignore no-new-privileges-missing expires=2099-12-31 reason=\"entrypoint drops to postgres with gosu\"\n" +
		"    image: postgres:16.4\n"
)

var hardenTags = map[string][]string{"library/nginx": {"1.27"}, "coredns/coredns": {"1.11.3"}, "library/postgres": {"16.4"}}

func hardenFiles() map[string]string {
	return map[string]string{hardenFile: hardenStack, policy.FileName: "harden:\n  memory: 256M\n"}
}

// harden asks for the hardening pull request of stack/compose.yaml, as the
// dashboard will, and returns "action branch #n".
func (e *env) harden() string {
	e.t.Helper()
	o, err := e.runner.Harden(e.t.Context(), e.target, hardenFile)
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%s %s #%d", o.Action, o.Branch, o.Number)
}

func TestHardeningPullRequest(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, hardenFiles(), hardenTags)
		main := e.repo.branch("main")
		if got := e.harden(); got != "opened "+hardenBranch+" #1" {
			t.Fatalf("first request: %s", got)
		}
		pr := e.pull(1)
		if pr.Title != "Harden stack/compose.yaml" || pr.HeadRef != hardenBranch || pr.BaseRef != "main" || pr.User != e.hub.login() ||
			strings.Join(pr.Labels, ",") != "security" {
			t.Errorf("pull request #1 = %q from %s into %s by %s, labels %v", pr.Title, pr.HeadRef, pr.BaseRef, pr.User, pr.Labels)
		}
		commit := e.repo.commit(e.repo.branch(hardenBranch))
		if len(commit.Parents) != 1 || commit.Parents[0] != main || commit.Author != e.hub.login() || commit.Verified != e.hub.signs() ||
			!strings.HasPrefix(commit.Message, "Harden stack/compose.yaml\n\n- web: ") || !strings.HasSuffix(commit.Message, "\nComposeguard-Harden: "+hardenBranch+"\n") {
			t.Errorf("branch commit = %+v: want one commit by %s on main with the trailer", commit, e.hub.login())
		}
		after := commit.Files[hardenFile]
		for _, want := range []string{
			"    image: nginx:1.27@" + e.reg.Digest("library/nginx", "1.27") + "   # the site\n",
			"      - \"127.0.0.1:8080:80\"\n", // behind the proxy: loopback
			"      - \"53:53/udp\"\n",         // DNS: its clients need it
			"          memory: 256M\n",        // the policy's limit
			"  db:\n    # composeguard:ignore no-new-privileges-missing expires=2099-12-31 reason=\"entrypoint drops to postgres with gosu\"\n    image: postgres:16.4\n",
		} {
			if !strings.Contains(after, want) {
				t.Errorf("hardened file lacks %q:\n%s", want, after)
			}
		}
		if !strings.HasSuffix(after, "    image: postgres:16.4\n") {
			t.Errorf("the database an exception covers was changed:\n%s", after)
		}

		pol := policy.Parse(policy.FileName, []byte(hardenFiles()[policy.FileName]))
		before := audit.Run(t.Context(), snapshot(e.repo.commit(main).Files), pol, e.now).Score
		scored := audit.Run(t.Context(), snapshot(commit.Files), pol, e.now).Score
		row := fmt.Sprintf("| Container Hardening | %.1f | %.1f |", before.ContainerHardening, scored.ContainerHardening)
		if scored.ContainerHardening <= before.ContainerHardening || !strings.Contains(pr.Body, row) ||
			!strings.Contains(pr.Body, fmt.Sprintf("| **Overall** | **%.1f** | **%.1f** |", before.Overall, scored.Overall)) {
			t.Errorf("the body's scores do not say %s:\n%s", row, pr.Body)
		}
		for _, want := range []string{
			"| `web` | 7 | `port-bypasses-reverse-proxy`: routed by the reverse proxy (Caddy labels) but also publishes host port 8080 directly | binds the port to 127.0.0.1 |",
			"| `dns` | 11 | `port-bound-all-interfaces`: publishes host port 53/udp on every interface, past the host firewall | the reverse proxy does not carry this port",
			"- `db`: `no-new-privileges-missing` until 2099-12-31 (`stack/compose.yaml:13`): entrypoint drops to postgres with gosu",
			"limits memory to 256M",
		} {
			if !strings.Contains(pr.Body, want) {
				t.Errorf("body lacks %q:\n%s", want, pr.Body)
			}
		}
		markdowntest.Check(t, "hardening body", pr.Body, markdowntest.Allowed{HTML: regexp.MustCompile(`^<!-- composeguard:harden \{.*\} -->$`)})

		n := e.requests()
		if got := e.harden(); got != "current "+hardenBranch+" #1" {
			t.Errorf("asked again: %s", got)
		}
		wantLines(t, "writes when asked again", e.writes(n))

		moved := e.repo.commitTo("main", "alice", map[string]string{"README.md": "# stack\n"})
		if got := e.harden(); got != "updated "+hardenBranch+" #1" {
			t.Errorf("after main moved: %s", got)
		}
		if c := e.repo.commit(e.repo.branch(hardenBranch)); c.Parents[0] != moved || c.Files[hardenFile] != after {
			t.Errorf("branch not rebuilt on main's new head with the same file: parents %v", c.Parents)
		}
		if len(e.repo.pulls()) != 1 {
			t.Errorf("%d pull requests, want still 1", len(e.repo.pulls()))
		}
	})
}

// A person closing the pull request declines it while the file stays as
// it is; a change to the file proposes again.
func TestClosedHardeningIsRemembered(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, hardenFiles(), hardenTags)
		e.harden()
		e.repo.closePull(1)
		e.repo.commitTo("main", "alice", map[string]string{"README.md": "# stack\n"})
		n := e.requests()
		if got := e.harden(); got != "ignored "+hardenBranch+" #1" {
			t.Errorf("after the person closed #1: %s", got)
		}
		wantLines(t, "writes", e.writes(n))
		// The registry republishes nginx:1.27: the pin moves, still declined.
		e.reg.Push(t, "library/nginx", "1.27", nil)
		if got := e.harden(); got != "ignored "+hardenBranch+" #1" {
			t.Errorf("after a new digest: %s", got)
		}
		e.repo.commitTo("main", "alice", map[string]string{hardenFile: hardenStack + "  cache:\n    image: redis:7.4\n"})
		e.reg.Push(t, "library/redis", "7.4", nil)
		if got := e.harden(); got != "opened "+hardenBranch+" #2" {
			t.Errorf("after the file changed: %s", got)
		}
		if !e.pull(1).Closed {
			t.Error("the declined pull request was reopened")
		}
	})
}

// Hardened on main by hand (or merged): the open pull request is closed
// with a comment; with none open there is nothing to do.
func TestHardenedByHandClosesThePullRequest(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, hardenFiles(), hardenTags)
		e.harden()
		hardened := e.repo.commit(e.repo.branch(hardenBranch)).Files[hardenFile]
		e.repo.commitTo("main", "alice", map[string]string{hardenFile: hardened})
		if got := e.harden(); got != "closed "+hardenBranch+" #1" {
			t.Fatalf("after main was hardened: %s", got)
		}
		pr := e.pull(1)
		if !pr.Closed || pr.Title != "Harden stack/compose.yaml - autoclosed" {
			t.Errorf("pull request #1: closed=%t %q", pr.Closed, pr.Title)
		}
		if c := e.repo.comments(1); len(c) != 1 || c[0] != "composeguard closed this pull request: on `main`, `stack/compose.yaml` has nothing left to harden.\n" {
			t.Errorf("closing comments = %q", c)
		}
		n := e.requests()
		if got := e.harden(); got != "clean "+hardenBranch+" #0" {
			t.Errorf("asked once more: %s", got)
		}
		wantLines(t, "writes", e.writes(n))
	})
}

// Someone else's commit on the branch, or their pull request from it, is
// never overwritten; an impostor of composeguard's commits neither.
func TestHardeningLeavesOthersWorkAlone(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, hardenFiles(), hardenTags)
		e.harden()
		ours := e.repo.commit(e.repo.branch(hardenBranch))
		for _, impostor := range append([]impostor{{"alice", func(branch, _ string, files map[string]string) string {
			return e.repo.commitTo(branch, "alice", files)
		}}}, e.repo.impostors()...) {
			theirs := impostor.push(hardenBranch, ours.Message, map[string]string{"README.md": impostor.name + "\n"})
			e.repo.commitTo("main", "bob", map[string]string{"notes.txt": impostor.name + "\n"})
			if got := e.harden(); got != "left-alone "+hardenBranch+" #1" || e.repo.branch(hardenBranch) != theirs {
				t.Errorf("%s pushed to the branch: %s; the branch must stay theirs", impostor.name, got)
			}
		}
	})
}

// The image update flow leaves hardening pull requests to theirs: neither
// counted, kept nor closed by a scheduled run.
func TestImageUpdatesLeaveHardeningAlone(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		files := hardenFiles()
		files[policy.FileName] += "bump:\n  pr_concurrent_limit: 1\n"
		tags := map[string][]string{"library/nginx": {"1.27", "1.28"}, "coredns/coredns": {"1.11.3"}, "library/postgres": {"16.4"}}
		e := newEnv(t, on, files, tags)
		e.harden()
		wantLines(t, "scheduled run", e.run(monday06), "opened composeguard/nginx-1.x #2")
		if e.pull(1).Closed {
			t.Error("the scheduled run closed the hardening pull request")
		}
	})
}

// A registry that does not answer leaves an open pull request as it is
// rather than dropping its pins; without a registry a new one says its
// tags were not pinned.
func TestHardeningWithoutTheRegistry(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, hardenFiles(), hardenTags)
		e.harden()
		e.useRegistry("docker.io", bumptest.Failing(t, 503))
		e.repo.commitTo("main", "alice", map[string]string{"README.md": "# stack\n"})
		n := e.requests()
		if got := e.harden(); got != "kept "+hardenBranch+" #1" {
			t.Errorf("registry down: %s", got)
		}
		wantLines(t, "writes", e.writes(n))

		offline := pulls.New(pulls.Options{Forge: e.hub.client(), Now: func() time.Time { return e.now }})
		otherRepo, other := e.hub.addRepo("acme", "other", hardenFiles())
		o, err := offline.Harden(t.Context(), other, hardenFile)
		if err != nil || o.Action != pulls.Opened {
			t.Fatalf("without a registry: %+v, %v", o, err)
		}
		if prs := otherRepo.pulls(); len(prs) != 1 || !strings.Contains(prs[0].Body, "Tags were not pinned to their digests: no registry is configured.") {
			t.Errorf("the body must say nothing was pinned: %+v", prs)
		}
	})
}

func TestHardeningNeedsItsFile(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, hardenFiles(), hardenTags)
		o, err := e.runner.Harden(t.Context(), e.target, "nope/compose.yaml")
		if err != nil || o.Action != pulls.Clean || o.Detail != "nope/compose.yaml no longer exists" {
			t.Errorf("missing file: %+v, %v", o, err)
		}
		e.repo.commitTo("main", "alice", map[string]string{"legacy/compose.yaml": hardenStack, policy.FileName: "files:\n  exclude: [\"legacy/**\"]\n"})
		if o, err := e.runner.Harden(t.Context(), e.target, "legacy/compose.yaml"); err != nil || o.Action != pulls.Failed ||
			o.Detail != "legacy/compose.yaml: not a compose file the policy selects" {
			t.Errorf("a file the policy excludes: %+v, %v", o, err)
		}
		archived := e.target
		archived.Archived = true
		if o, err := e.runner.Harden(t.Context(), archived, hardenFile); err != nil || o.Action != pulls.Failed || o.Detail != "archived" {
			t.Errorf("archived: %+v, %v", o, err)
		}
		if len(e.repo.pulls()) != 0 || e.repo.branch(hardenBranch) != "" {
			t.Error("a pull request or branch was made")
		}
	})
}

// What a repository wrote (its path, an exception's reason, a variable's
// name quoted in a finding) is never markup in the body.
func TestHostileNamesInTheHardeningBodyAreNeverMarkup(t *testing.T) {
	const hostile = "@acme/admins #12 !3 [x](http://evil.example) <img src=x> `t` | p"
	file := "stacks/" + strings.NewReplacer("/", "-", "|", "-").Replace(hostile) + "/compose.yaml"
	stack := "services:\n" +
		"  web:\n" +
		"    image: nginx:1.27\n" +
		"    environment:\n" +
		"      \"ADMIN_PASSWORD_<!-- x -->" + hostile + "\": correct-horse-battery\n" +
		"  db:\n" +
		"    image: postgres:16.4 # composeguard:ignore runs-as-root expires=2099-12-31 reason=\"" + hostile + " <!-- y -->\"\n"
	e := newEnv(t, newGitHubHub, map[string]string{file: stack}, hardenTags)
	o, err := e.runner.Harden(t.Context(), e.target, file)
	if err != nil || o.Action != pulls.Opened {
		t.Fatalf("%+v, %v", o, err)
	}
	body := e.pull(1).Body
	markdowntest.Check(t, "hardening body", body, markdowntest.Allowed{HTML: regexp.MustCompile(`^<!-- composeguard:harden \{.*\} -->$`)})
	if n := strings.Count(body, "<!--"); n != 1 {
		t.Errorf("%d comment openers in the body, want the marker's alone:\n%s", n, body)
	}
	if !strings.Contains(body, "- `db`: `runs-as-root` until 2099-12-31") || !strings.Contains(body, "`hardcoded-secret`: ADMIN\\_PASSWORD\\_&lt;!--") {
		t.Errorf("the body must still name them, escaped:\n%s", body)
	}
}
