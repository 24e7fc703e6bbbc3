package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/policy"
)

// The score's anchors (README.md "The score"): a homelab hardened but for a
// dashboard and a database without no-new-privileges scores about 9.5 in
// Container Hardening, and 10 once both are fixed or documented; a fully
// hardened file scores 10; one privileged container with the engine socket
// takes System Security to 0; upstream examples land in the middle.

// edit replaces old, which must be there, once.
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("fixture lacks %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestScoreAnchorsHomelab(t *testing.T) {
	b, err := os.ReadFile("testdata/homelab/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	homelab := string(b)
	hardenDashboard := func(s string) string {
		return edit(t, s, "  dashboard:\n    image: ghcr.io/gethomepage/homepage:v0.9.10\n    ports:\n      - \"3000:3000\"\n",
			"  dashboard:\n    <<: *hardened\n    image: ghcr.io/gethomepage/homepage:v0.9.10\n")
	}
	documentDB := func(s string) string {
		return edit(t, s, "  db:\n", "  db:\n    # composeguard:ignore no-new-privileges-missing expires=2031-01-01 reason=\"the entrypoint drops to postgres with gosu\"\n")
	}
	pinImages := func(s string) string {
		s = edit(t, s, "syncthing/syncthing:latest", "syncthing/syncthing:1.28.1")
		return edit(t, s, "offen/docker-volume-backup:latest", "offen/docker-volume-backup:v2.43.0")
	}
	cases := []struct {
		name    string
		compose string
		want    Score
	}{
		// 16 services. Container Hardening: the bare dashboard keeps
		// 10 × 0.85⁵ × 0.95³ = 3.8, the database 10 × 0.85 = 8.5, the other
		// 14 keep 10: (140+3.8+8.5)/16 = 9.52. Image Security: two :latest
		// (high) keep 7: (140+14)/16 = 9.63. System Security: the dashboard
		// publishes on every interface and declares no network,
		// 10 × 0.85 × 0.95 = 8.08; mean 9.88 and weakest 8.08 give 8.98.
		{"as in the write-up", homelab, Score{9.5, 9.6, 9.0, 9.4}},
		// (150+8.5)/16 = 9.91; nothing left in System Security.
		{"dashboard hardened", hardenDashboard(homelab), Score{9.9, 9.6, 10, 9.8}},
		// a waived finding passes: (150+3.8)/16 = 9.61.
		{"database documented", documentDB(homelab), Score{9.6, 9.6, 9.0, 9.4}},
		{"both", documentDB(hardenDashboard(homelab)), Score{10, 9.6, 10, 9.9}},
		{"fully hardened", pinImages(documentDB(hardenDashboard(homelab))), Score{10, 10, 10, 10}},
		// one backup agent with the engine socket and privileged: root on
		// the host, whatever the 15 others do.
		{"privileged docker-socket agent", edit(t, homelab, "    image: offen/docker-volume-backup:latest\n",
			"    image: offen/docker-volume-backup:latest\n    privileged: true\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n"),
			Score{9.5, 9.6, 0, 6.4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := audit(t, map[string]string{"compose.yaml": tc.compose}, policy.Default())
			if r.Score != tc.want {
				t.Errorf("score = %+v, want %+v; findings %v", r.Score, tc.want, rules(r.Findings))
			}
		})
	}
}

// TestScoreAnchorsCorpus audits real upstream files one by one, as
// `composeguard audit FILE` does.
func TestScoreAnchorsCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("../shared/corpus is not beside the repository")
	}
	scoreOf := func(t *testing.T, path string) Score {
		b, err := os.ReadFile(filepath.Join(corpusDir, path))
		if err != nil {
			t.Fatal(err)
		}
		return audit(t, map[string]string{filepath.Base(path): string(b)}, policy.Default()).Score
	}
	// Examples as projects publish them: no hardening keys, ports on every
	// interface, moving tags, a literal database password.
	for _, path := range []string{
		"Compose-Examples/examples/vaultwarden/docker-compose.yml",
		"awesome-compose/nextcloud-postgres/compose.yaml",
		"awesome-compose/wordpress-mysql/compose.yaml",
	} {
		s := scoreOf(t, path)
		if s.ContainerHardening < 3 || s.ContainerHardening > 7 || s.Overall < 3 || s.Overall > 7 {
			t.Errorf("%s: score %+v, want Container Hardening and overall between 3 and 7", path, s)
		}
	}
	// mailcow: 18 services, two with the engine socket, one privileged.
	const mailcow = "mailcow-dockerized/docker-compose.yml"
	if s := scoreOf(t, mailcow); s.SystemSecurity > 1 {
		t.Errorf("%s: System Security %.1f, want at most 1", mailcow, s.SystemSecurity)
	}
}
