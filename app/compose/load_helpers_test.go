package compose

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadFiles loads a project from an in-memory snapshot; files default to
// compose.yaml.
func loadFiles(t testing.TB, snap Snapshot, files ...string) *Project {
	t.Helper()
	if len(files) == 0 {
		files = []string{"compose.yaml"}
	}
	return Load(context.Background(), snap, files)
}

// loaded fails the test unless the project has a model.
func loaded(t testing.TB, p *Project) *Project {
	t.Helper()
	if p.Model == nil {
		t.Fatalf("project did not load: %+v", p.Problems)
	}
	return p
}

// modelJSON is everything compose-go produced, as text to search.
func modelJSON(t testing.TB, p *Project) string {
	t.Helper()
	b, err := json.Marshal(p.Model)
	if err != nil {
		t.Fatalf("marshal model: %v", err)
	}
	return string(b)
}

func problemsWith(p *Project, rule string) []Problem {
	var out []Problem
	for _, pr := range p.Problems {
		if pr.Rule == rule {
			out = append(out, pr)
		}
	}
	return out
}

// wantInvalid asserts the project failed with a compose-invalid Problem at
// file:line (line 0: any line) whose message contains each of words.
func wantInvalid(t testing.TB, p *Project, file string, line int, words ...string) Problem {
	t.Helper()
	if p.Model != nil {
		t.Fatalf("expected a compose-invalid project, got a model; problems %+v", p.Problems)
	}
	inv := problemsWith(p, RuleInvalid)
	if len(inv) == 0 {
		t.Fatalf("no compose-invalid problem; problems %+v", p.Problems)
	}
	pr := inv[0]
	if pr.Pos.File != file || (line > 0 && pr.Pos.Line != line) || pr.Pos.Line < 1 {
		t.Errorf("problem at %s:%d, want %s:%d (%s)", pr.Pos.File, pr.Pos.Line, file, line, pr.Message)
	}
	for _, w := range words {
		if !strings.Contains(strings.ToLower(pr.Message), strings.ToLower(w)) {
			t.Errorf("message %q does not mention %q", pr.Message, w)
		}
	}
	return pr
}

// writeTree writes files (slash paths) under root.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		full := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func serviceNames(p *Project) []string {
	if p.Model == nil {
		return nil
	}
	var out []string
	for name := range p.Model.Services {
		out = append(out, name)
	}
	return out
}

func hasService(p *Project, name string) bool {
	if p.Model == nil {
		return false
	}
	_, ok := p.Model.Services[name]
	return ok
}

func posString(pos Position) string { return fmt.Sprintf("%s:%d", pos.File, pos.Line) }
