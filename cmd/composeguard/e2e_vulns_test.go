package main

import (
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
	"github.com/composeguard/composeguard/app/vulns/vulnstest"
)

// TestE2EImageVulnerabilities: a server started with COMPOSEGUARD_TRIVY
// resolves the tag of an image a pull request adds through its registry
// settings, scans the digest with trivy and lists the vulnerabilities in
// the summary; the check's verdict is the audit's alone.
func TestE2EImageVulnerabilities(t *testing.T) {
	t.Parallel()
	reg := bumptest.New(t, map[string][]string{"library/postgres": {"16.2"}})
	digest := reg.Digest("library/postgres", "16.2")
	trivy := vulnstest.New(t, map[string]string{digest: "postgres-16.2"})
	e := startE2EWith(t, false, map[string]string{
		"COMPOSEGUARD_TRIVY": trivy.Path, "COMPOSEGUARD_TRIVY_CACHE_DIR": t.TempDir(),
		"COMPOSEGUARD_REGISTRY_MIRRORS": "docker.io=" + reg.Host, "COMPOSEGUARD_REGISTRY_ALLOW_PRIVATE": reg.Host,
	})
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	head := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), strings.Replace(reviewtest.Hardened("db"), "ghcr.io/acme/db:1.4.2", "postgres:16.2", 1))}
	p := e.pull(3, base, head)
	e.opened(t, p, "opened")
	e.reviewed(t)

	if run := e.verdict(t, p.Head); run.Conclusion != "success" {
		t.Errorf("check run %s %q: a hardened service passes whatever its image carries", run.Conclusion, run.Title)
	}
	if s := e.summary(t, p.Number).Body; !strings.Contains(s, "**`postgres:16.2`** for `db` at [`compose.yaml:") || !strings.Contains(s, "**4 critical, 7 high** on debian 12.5.") {
		t.Errorf("the summary lacks the image's vulnerabilities:\n%s", s)
	}
	calls := trivy.Calls(t)
	if len(calls) != 1 || calls[0].Image() != "docker.io/library/postgres@"+digest {
		t.Errorf("trivy calls %+v, want one for the digest the registry gave", calls)
	}
}
