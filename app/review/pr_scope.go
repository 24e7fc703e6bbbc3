package review

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"sync"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
)

// changedPaths lists every path a pull request touches, including the old
// names of renamed files.
func changedPaths(files []forge.ChangedFile) map[string]bool {
	out := map[string]bool{}
	for _, f := range files {
		out[f.Path] = true
		if f.PreviousPath != "" {
			out[f.PreviousPath] = true
		}
	}
	return out
}

// affectedFiles returns the compose files a change affects, as the policy
// selects them: those it changes, and every project (main file and
// override) that reads a changed file through an override, include,
// extends, its .env or an env_file. Projects are loaded only when the change
// touches files that are not compose files themselves.
func affectedFiles(ctx context.Context, head compose.Snapshot, pol *policy.Policy, changed map[string]bool) map[string]bool {
	out := map[string]bool{}
	others := false
	for p := range changed {
		switch {
		case pol.Selects(p):
			out[p] = true
		case p != policy.FileName:
			others = true
		}
	}
	for _, group := range compose.Group(selected(head, pol)) {
		if anyOf(group, out) {
			for _, f := range group {
				out[f] = true
			}
			continue
		}
		if !others {
			continue
		}
		if anyIn(dependencies(compose.Load(ctx, head, group)), changed) {
			for _, f := range group {
				out[f] = true
			}
		}
	}
	return out
}

func selected(snap compose.Snapshot, pol *policy.Policy) []string {
	var out []string
	for _, p := range snap.Paths() {
		if pol.Selects(p) {
			out = append(out, p)
		}
	}
	return out
}

func anyOf(list []string, set map[string]bool) bool {
	for _, s := range list {
		if set[s] {
			return true
		}
	}
	return false
}

func anyIn(a, b map[string]bool) bool {
	for s := range a {
		if b[s] {
			return true
		}
	}
	return false
}

// dependencies lists the files a loaded project reads: its sources
// (overrides, includes, extends bases), the .env beside each, and the files
// its env_file and label_file keys name.
func dependencies(p *compose.Project) map[string]bool {
	out := map[string]bool{}
	for name := range p.Sources {
		out[name] = true
		out[path.Join(path.Dir(name), ".env")] = true
	}
	for _, f := range p.Reads {
		out[f] = true
	}
	return out
}

// scoped narrows a snapshot to the projects a change affects: it lists
// every file the policy does not select (a .env, an included file) and, of
// the compose files, the whole project of each affected one, so an
// unchanged override is still merged into its changed main file.
type scoped struct {
	compose.Snapshot
	paths []string
}

func scope(snap compose.Snapshot, pol *policy.Policy, affected map[string]bool) scoped {
	keep := map[string]bool{}
	for _, group := range compose.Group(selected(snap, pol)) {
		if anyOf(group, affected) {
			for _, f := range group {
				keep[f] = true
			}
		}
	}
	s := scoped{Snapshot: snap}
	for _, p := range snap.Paths() {
		if keep[p] || !pol.Selects(p) {
			s.paths = append(s.paths, p)
		}
	}
	return s
}

func (s scoped) Paths() []string { return s.paths }

// forgeSnapshot keeps the first failure to read a file from the forge. The
// audit would turn it into a finding about the file, but a timeout or a 5xx
// says nothing about the repository: the run must fail and be retried.
type forgeSnapshot struct {
	compose.Snapshot
	mu  sync.Mutex
	err error
}

func (s *forgeSnapshot) ReadFile(p string) ([]byte, error) {
	b, err := s.Snapshot.ReadFile(p)
	if err != nil && !isContentFact(err) {
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
	}
	return b, err
}

// Err is the first forge failure met while reading.
func (s *forgeSnapshot) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// isContentFact reports whether a read error describes the repository (no
// such file, too large, outside it) rather than a failure to reach it.
func isContentFact(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, forge.ErrNotFound) ||
		errors.Is(err, compose.ErrTooLarge) || errors.Is(err, compose.ErrOutside)
}

// readPolicy reads the policy file of a snapshot: the defaults when there
// is none, a policy-invalid finding when it cannot be used.
func readPolicy(snap compose.Snapshot) *policy.Policy {
	b, err := snap.ReadFile(policy.FileName)
	switch {
	case err == nil:
		return policy.Parse(policy.FileName, b)
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, forge.ErrNotFound):
		return policy.Default()
	}
	return policy.Unreadable(policy.FileName, err)
}
