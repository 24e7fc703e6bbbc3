package pulls_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/textdiff"
)

// corpusAuthelia is a real compose file of ../shared/corpus beside the
// repository: Authelia behind Traefik that also publishes its port, on
// authelia:latest, with Redis.
const corpusAuthelia = "../../../shared/corpus/Compose-Examples/examples/authelia/docker-compose.yml"

// TestHardeningACorpusFile opens the hardening pull request of a real
// compose file on each fake forge and logs its diff and score (go test -v
// -run TestHardeningACorpusFile ./app/pulls).
func TestHardeningACorpusFile(t *testing.T) {
	content, err := os.ReadFile(corpusAuthelia)
	if err != nil {
		t.Skipf("no compose corpus at %s (../shared/corpus beside the repository); skipping", corpusAuthelia)
	}
	const file = "authelia/docker-compose.yml"
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		e := newEnv(t, on, map[string]string{file: string(content)}, map[string][]string{"authelia/authelia": {"latest"}, "library/redis": {"8-alpine"}})
		o, err := e.runner.Harden(t.Context(), e.target, file)
		if err != nil || o.Number != 1 {
			t.Fatalf("%+v, %v", o, err)
		}
		main, branch := e.repo.commit(e.repo.branch("main")), e.repo.commit(e.repo.branch(o.Branch))
		after := branch.Files[file]
		for _, want := range []string{
			"image: authelia/authelia:latest@" + e.reg.Digest("authelia/authelia", "latest") + "\n",
			"image: redis:8-alpine@" + e.reg.Digest("library/redis", "8-alpine") + "\n",
			"      - 127.0.0.1:9091:9091/tcp\n",
		} {
			if !strings.Contains(after, want) {
				t.Errorf("the hardened file lacks %q", want)
			}
		}
		before, hardened := audit.Run(t.Context(), snapshot(main.Files), policy.Default(), e.now).Score, audit.Run(t.Context(), snapshot(branch.Files), policy.Default(), e.now).Score
		var scores strings.Builder
		for _, g := range audit.Groups {
			if hardened.Of(g) <= before.Of(g) {
				t.Errorf("%s: %.1f → %.1f, want it raised", g, before.Of(g), hardened.Of(g))
			}
			fmt.Fprintf(&scores, "%-20s %4.1f → %4.1f\n", g, before.Of(g), hardened.Of(g))
		}
		fmt.Fprintf(&scores, "%-20s %4.1f → %4.1f\n", "Overall", before.Overall, hardened.Overall)
		if !strings.Contains(e.pull(1).Body, fmt.Sprintf("| **Overall** | **%.1f** | **%.1f** |", before.Overall, hardened.Overall)) {
			t.Errorf("the body's score is not the audit's %.1f → %.1f", before.Overall, hardened.Overall)
		}
		t.Logf("pull request #%d %q on %s:\n%s\n%s", o.Number, e.pull(1).Title, o.Branch, textdiff.Unified(file, content, []byte(after)), scores.String())
	})
}
