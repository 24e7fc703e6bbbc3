package checks

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite checks/README.md from the rule registry")

// TestCatalogueREADME keeps checks/README.md, which every finding links to,
// in step with the registered rules: go test ./checks -run Catalogue -update.
func TestCatalogueREADME(t *testing.T) {
	var b strings.Builder
	b.WriteString("# composeguard rules\n\n")
	b.WriteString("Generated from the rule registry by `go test ./checks -run Catalogue -update`; each rule is `checks/<id>.go` with its test beside it.\n\n")
	b.WriteString("| rule | category | severity | title |\n| --- | --- | --- | --- |\n")
	for _, r := range All() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", r.ID, r.ID, r.Category, r.Severity, r.Title)
	}
	for _, r := range All() {
		fmt.Fprintf(&b, "\n### %s\n\n%s · %s\n\n**Why:** %s\n\n**Fix:** %s\n", r.ID, r.Category, r.Severity, r.Why, r.Fix)
	}
	want := b.String()
	if *update {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("checks/README.md is missing: run go test ./checks -run Catalogue -update (%v)", err)
	}
	if string(got) != want {
		t.Errorf("checks/README.md is out of date with the registered rules: run go test ./checks -run Catalogue -update")
	}
}
