// Package forgetest holds what the in-process fake forges (githubtest,
// gitlabtest) share: unified diffs computed as the forges compute them, and
// the check that every request a client sent is a real operation of the
// forge's REST API, from the lists beside the module's root.
package forgetest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Operations are a forge's REST operations: path templates by method, each
// split into segments.
type Operations struct {
	byMethod map[string][][]string
	// param tells a template's parameter segment ({owner}, :id).
	param func(segment string) bool
	// greedy are the parameters that, last in a template, may hold
	// slashes (GitHub's {ref}).
	greedy []string
}

// Check fails t for every request (method and path) that is no operation of
// the list in ../shared/<forge>/operations.tsv beside the module's root. It
// skips t when the list is absent.
func Check(t testing.TB, forge string, param func(string) bool, greedy []string, requests [][2]string) {
	t.Helper()
	ops, err := load(forge, param, greedy)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("skipping the check against %s's operations: %v", forge, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range requests {
		if !ops.has(r[0], r[1]) {
			t.Errorf("%s %s is no %s REST operation (operations.tsv)", r[0], r[1], forge)
		}
	}
}

func load(forge string, param func(string) bool, greedy []string) (*Operations, error) {
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
	file, err := os.Open(filepath.Join(dir, "..", "shared", forge, "operations.tsv"))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	ops := &Operations{byMethod: map[string][][]string{}, param: param, greedy: greedy}
	s := bufio.NewScanner(file)
	for s.Scan() {
		method, rest, ok := strings.Cut(s.Text(), "\t")
		if !ok || strings.HasPrefix(method, "#") {
			continue
		}
		tmpl, _, _ := strings.Cut(rest, "\t")
		ops.byMethod[method] = append(ops.byMethod[method], strings.Split(tmpl, "/"))
	}
	return ops, s.Err()
}

func (o *Operations) has(method, path string) bool {
	return slices.ContainsFunc(o.byMethod[method], func(tmpl []string) bool { return o.matches(tmpl, path) })
}

// matches reports whether path (escaped, so a parameter holding slashes is
// one segment) fits a template, each parameter standing for one non-empty
// segment but a greedy one last.
func (o *Operations) matches(tmpl []string, path string) bool {
	segs := strings.Split(path, "/")
	if last := tmpl[len(tmpl)-1]; len(segs) > len(tmpl) && slices.Contains(o.greedy, last) {
		segs = append(segs[:len(tmpl)-1], strings.Join(segs[len(tmpl)-1:], "/"))
	}
	if len(segs) != len(tmpl) {
		return false
	}
	for i, t := range tmpl {
		if segs[i] != t && !(o.param(t) && segs[i] != "") {
			return false
		}
	}
	return true
}
