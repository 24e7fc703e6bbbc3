package githubtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// CheckOperations fails t for every request received that is no real GitHub
// operation: a GraphQL request (POST /graphql) whose document does not
// validate against GitHub's schema as the fake knows it, or a REST request
// with no (method, path template) of GitHub's list of documented
// operations, which loadOperations reads from the material beside the
// module's root. It skips t when that list is absent.
func (f *Fake) CheckOperations(t testing.TB) {
	t.Helper()
	ops, err := loadOperations()
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("skipping the check against GitHub's operations: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost && r.Path == "/graphql" {
			var req graphQLRequest
			if err := json.Unmarshal(r.Body, &req); err != nil {
				t.Errorf("POST /graphql with a body that is not JSON: %v", err)
			} else if _, _, errs := parseGraphQL(req); errs != nil {
				t.Errorf("POST /graphql is no GitHub GraphQL operation: %v", errs)
			}
			continue
		}
		if !slices.ContainsFunc(ops[r.Method], func(tmpl []string) bool { return matches(tmpl, r.Path) }) {
			t.Errorf("%s %s is no GitHub REST operation (operations.tsv)", r.Method, r.Path)
		}
	}
}

// loadOperations reads operations.tsv into path templates by method, each
// split into segments.
func loadOperations() (map[string][][]string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("no go.mod above the working directory: %w", os.ErrNotExist)
		}
		dir = parent
	}
	file, err := os.Open(filepath.Join(dir, "..", "shared", "github", "operations.tsv"))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	ops := map[string][][]string{}
	s := bufio.NewScanner(file)
	for s.Scan() {
		method, rest, ok := strings.Cut(s.Text(), "\t")
		if !ok || strings.HasPrefix(method, "#") {
			continue
		}
		tmpl, _, _ := strings.Cut(rest, "\t")
		ops[method] = append(ops[method], strings.Split(tmpl, "/"))
	}
	return ops, s.Err()
}

// matches reports whether path fits a template, each {name} standing for one
// segment but a trailing {ref}, {branch} or {basehead}, which may hold
// slashes as GitHub's refs do (heads/composeguard/postgres-16.x).
func matches(tmpl []string, path string) bool {
	segs := strings.Split(path, "/")
	if last := tmpl[len(tmpl)-1]; len(segs) > len(tmpl) && slices.Contains([]string{"{ref}", "{branch}", "{basehead}"}, last) {
		segs = append(segs[:len(tmpl)-1], strings.Join(segs[len(tmpl)-1:], "/"))
	}
	if len(segs) != len(tmpl) {
		return false
	}
	for i, t := range tmpl {
		if segs[i] != t && !(strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") && segs[i] != "") {
			return false
		}
	}
	return true
}
