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

// affected chooses the projects a change affects, among the head commit's
// projects as audit.Projects groups them: those with a changed file, and
// those that read a changed file through an include, extends, its .env or
// an env_file. Projects are loaded only when the change touches files that
// are not files of a project themselves. The function it returns keeps, of
// either commit's projects, those known by an affected project's key and
// those holding a changed file (at base: one the change deletes or renames).
func affected(ctx context.Context, head compose.Snapshot, projects compose.Grouping, pol *policy.Policy, changed map[string]bool) func(compose.Plan) bool {
	inPlan := map[string]bool{}
	for _, plan := range projects.Plans {
		for _, f := range plan.Files {
			inPlan[f] = true
		}
	}
	others := false
	for p := range changed {
		others = others || (!inPlan[p] && !pol.Selects(p) && p != policy.FileName)
	}
	keys := map[string]bool{}
	for _, plan := range projects.Plans {
		if anyOf(plan.Files, changed) || (others && anyIn(dependencies(compose.Load(ctx, head, plan.Files)), changed)) {
			keys[plan.Key] = true
		}
	}
	return func(plan compose.Plan) bool { return keys[plan.Key] || anyOf(plan.Files, changed) }
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
