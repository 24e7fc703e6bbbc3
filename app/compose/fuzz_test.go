package compose

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzBase is a second file the fuzzed compose.yaml may include or extend.
const fuzzBase = "services:\n  base:\n    image: busybox\n    read_only: true\n    env_file: ../.env\n"

// FuzzLoad feeds arbitrary compose.yaml and .env contents to Load: it must
// not panic, must place every problem in a snapshot file at a line, and must
// never let the process environment into the model or a message.
func FuzzLoad(f *testing.F) {
	f.Setenv(secretVar, secretValue)
	f.Add([]byte("services:\n  web:\n    image: \"nginx:${TAG}\"\n"), []byte("TAG=1\n"))
	f.Add([]byte("include:\n  - lib/base.yml\nservices:\n  web:\n    extends: {file: lib/base.yml, service: base}\n"), []byte(""))
	f.Fuzz(func(t *testing.T, compose, env []byte) {
		snap := MapSnapshot{"compose.yaml": compose, ".env": env, "lib/base.yml": []byte(fuzzBase)}
		p := Load(context.Background(), snap, []string{"compose.yaml"})
		if p.Model == nil && len(problemsWith(p, RuleInvalid)) == 0 {
			t.Fatalf("no model and no compose-invalid problem: %+v", p.Problems)
		}
		input := string(compose) + string(env)
		tmpRoot := filepath.Join(os.TempDir(), "composeguard-")
		for _, pr := range p.Problems {
			if pr.Rule != RuleInvalid && pr.Rule != RuleOutside && pr.Rule != RuleIncomplete {
				t.Errorf("unknown rule %q", pr.Rule)
			}
			if pr.Pos.Line < 1 || pr.Pos.File == "" {
				t.Errorf("problem without a place: %+v", pr)
			}
			if _, inSnapshot := snap[pr.Pos.File]; !inSnapshot {
				t.Errorf("problem in %q, not a snapshot file: %+v", pr.Pos.File, pr)
			}
			if strings.Contains(pr.Message, tmpRoot) && !strings.Contains(input, tmpRoot) {
				t.Errorf("message reveals the private directory: %q", pr.Message)
			}
		}
		if strings.Contains(input, secretValue) {
			return
		}
		b, err := json.Marshal(p.Model)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if bytes.Contains(b, []byte(secretValue)) {
			t.Errorf("the process environment reached the model: %s", b)
		}
		for _, pr := range p.Problems {
			if strings.Contains(pr.Message, secretValue) {
				t.Errorf("the process environment reached a message: %q", pr.Message)
			}
		}
	})
}
