package checks

import (
	"context"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
)

// Some spellings the hardening rules would otherwise judge are refused by
// Compose itself: the loader reports compose-invalid and no rule runs.
func TestHardeningSpellingsComposeRejects(t *testing.T) {
	for _, tc := range []struct{ name, yaml string }{
		// `- no-new-privileges: true` is a mapping, not a string.
		{"security_opt mapping item", "services:\n  web:\n    image: nginx:1.27\n    security_opt:\n      - no-new-privileges: true\n"},
		{"integer user", "services:\n  web:\n    image: nginx:1.27\n    user: 0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := compose.MapSnapshot{"compose.yaml": []byte(tc.yaml)}
			p := compose.Load(context.Background(), snap, []string{"compose.yaml"})
			if p.Model != nil {
				t.Fatal("the project loaded; Compose rejects it")
			}
			found := false
			for _, pr := range p.Problems {
				found = found || pr.Rule == compose.RuleInvalid
			}
			if !found {
				t.Errorf("problems = %+v, want compose-invalid", p.Problems)
			}
		})
	}
}
