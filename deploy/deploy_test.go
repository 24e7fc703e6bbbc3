// Package deploy holds the files that run composeguard itself; its test
// keeps composeguard's own compose file clean under its own audit.
package deploy

import (
	"context"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
)

func TestOwnComposeFilePassesOwnAudit(t *testing.T) {
	snap, err := compose.NewDirSnapshot(".")
	if err != nil {
		t.Fatal(err)
	}
	r := audit.Run(context.Background(), snap, policy.Default(), time.Now())
	if r.FilesAudited != 1 {
		t.Fatalf("audited %d files, want deploy/compose.yaml only", r.FilesAudited)
	}
	for _, f := range r.Findings {
		t.Errorf("%s:%d %s %s: %s", f.Pos.File, f.Pos.Line, f.Severity, f.Rule, f.Message)
	}
	if r.Score.Overall != 10 {
		t.Errorf("score %.1f, want 10", r.Score.Overall)
	}
}
