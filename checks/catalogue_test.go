package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/golden"
)

// TestCatalogueREADME keeps checks/README.md, which every finding links to,
// in step with the registered rules: go test ./checks -run Catalogue -update.
func TestCatalogueREADME(t *testing.T) {
	var b strings.Builder
	b.WriteString("# composeguard rules\n\n")
	b.WriteString("Generated from the rule registry by `go test ./checks -run Catalogue -update`; each rule is `checks/<id>.go` with its test beside it.\n\n")
	b.WriteString(SeverityPolicy + "\n\n")
	b.WriteString("| rule | category | severity | title |\n| --- | --- | --- | --- |\n")
	for _, r := range All() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", r.ID, r.ID, r.Category, r.Severity, r.Title)
	}
	for _, r := range All() {
		if r.SeverityWhy == "" {
			t.Errorf("%s does not say why it is %s (SeverityWhy)", r.ID, r.Severity)
		}
		fmt.Fprintf(&b, "\n### %s\n\n%s · %s\n\n**Why:** %s\n\n**Fix:** %s\n\n**Why %s:** %s\n",
			r.ID, r.Category, r.Severity, r.Why, r.Fix, r.Severity, r.SeverityWhy)
	}
	golden.Check(t, "README.md", b.String())
}
