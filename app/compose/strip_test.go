package compose

import (
	"bytes"
	"strings"
	"testing"
)

// appStore is shaped like the app-store files whose metadata blocks made
// most of the load time: a top-level x- block, one inside a service, and an
// x- block holding an anchor that a service uses.
const appStore = `name: shop
x-defaults: &defaults
  restart: unless-stopped
x-store:
  title: {en_US: Shop, de_DE: Laden}
  description: |
    Long text
    over lines
services:
  web:
    <<: *defaults
    image: nginx:1.27
    x-store:
      envs: [{container: PORT, description: {en_US: port}}]
      ports: [{container: "80"}]
    privileged: true
  db:
    image: postgres:16
    x-store: {tip: none}
    read_only: true
`

func TestStripExtensionsKeepsLinesAndAnchors(t *testing.T) {
	src, err := ParseSource("compose.yaml", []byte(appStore))
	if err != nil {
		t.Fatal(err)
	}
	stripped := stripExtensions(src)
	if bytes.Count(stripped, []byte("\n")) != strings.Count(appStore, "\n") {
		t.Fatalf("line count changed:\n%s", stripped)
	}
	for _, gone := range []string{"Laden", "Long text", "envs:", "tip: none"} {
		if bytes.Contains(stripped, []byte(gone)) {
			t.Errorf("%q should have been blanked:\n%s", gone, stripped)
		}
	}
	if !bytes.Contains(stripped, []byte("x-defaults: &defaults")) {
		t.Errorf("a block defining an anchor must stay:\n%s", stripped)
	}

	p := loadFiles(t, MapSnapshot{"compose.yaml": []byte(appStore)})
	if p.Model == nil {
		t.Fatalf("did not load: %+v", p.Problems)
	}
	if got := p.Model.Services["web"].Restart; got != "unless-stopped" {
		t.Errorf("restart from the anchor = %q", got)
	}
	for _, tc := range []struct{ service, key, want string }{
		{"web", "privileged", "compose.yaml:16"},
		{"db", "read_only", "compose.yaml:20"},
		{"web", "restart", "compose.yaml:3"},
	} {
		if got := posString(p.Where(tc.service, tc.key)); got != tc.want {
			t.Errorf("%s.%s at %s, want %s", tc.service, tc.key, got, tc.want)
		}
	}
}

func TestStripExtensionsKeepsErrorLines(t *testing.T) {
	broken := strings.Replace(appStore, "    read_only: true\n", "    read_only: true\n    ports: [\"1:2:3:4\"]\n", 1)
	p := loadFiles(t, MapSnapshot{"compose.yaml": []byte(broken)})
	invalid := problemsWith(p, RuleInvalid)
	if len(invalid) != 1 || invalid[0].Pos.Line != 21 {
		t.Errorf("want one compose-invalid at line 21 (the bad port after blanked blocks), got %+v", p.Problems)
	}
}
