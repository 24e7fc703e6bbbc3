package review

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sync"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
)

// changes lists every path whose content differs between the base and head
// listings (added, removed or modified: their blobs differ), with those the
// forge's list of changed files names, which it may cut short (GitHub at
// 3,000) but never lengthens. renamed maps an old path to its new one: the
// forge's renames, and a removed file whose very content reappears at an
// added path.
func changes(base, head forge.Snapshot, files []forge.ChangedFile) (changed map[string]bool, renamed map[string]string) {
	changed, renamed = map[string]bool{}, map[string]string{}
	for _, f := range files {
		changed[f.Path] = true
		if f.PreviousPath != "" && f.PreviousPath != f.Path {
			changed[f.PreviousPath] = true
			renamed[f.PreviousPath] = f.Path
		}
	}
	removed := map[string]string{} // blob → a path only the base has
	for _, p := range base.Paths() {
		if head.Blob(p) == "" {
			changed[p] = true
			removed[base.Blob(p)] = p
		}
	}
	for _, p := range head.Paths() {
		if base.Blob(p) == head.Blob(p) {
			continue
		}
		changed[p] = true
		if from, ok := removed[head.Blob(p)]; ok && base.Blob(p) == "" && renamed[from] == "" {
			renamed[from] = p
		}
	}
	return changed, renamed
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
// It reads within the review's budget.
type forgeSnapshot struct {
	forge.Snapshot
	budget *budget
	mu     sync.Mutex
	err    error
}

func (s *forgeSnapshot) ReadFile(p string) ([]byte, error) {
	isNew, err := s.budget.admit(s.Blob(p))
	if err != nil {
		return nil, err
	}
	b, err := s.Snapshot.ReadFile(p)
	if isNew {
		s.budget.read(len(b))
	}
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

// oversized records the files a reading refused for their size: the audit
// notes such a file and goes on, but a review that could not read one
// cannot pass the pull request.
type oversized struct {
	compose.Snapshot
	mu    sync.Mutex
	paths map[string]bool
}

func (s *oversized) ReadFile(p string) ([]byte, error) {
	b, err := s.Snapshot.ReadFile(p)
	if errors.Is(err, compose.ErrTooLarge) {
		s.mu.Lock()
		if s.paths == nil {
			s.paths = map[string]bool{}
		}
		s.paths[p] = true
		s.mu.Unlock()
	}
	return b, err
}

// list is the files refused, sorted.
func (s *oversized) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.paths))
}

// isContentFact reports whether a read error describes the repository (no
// such file, too large, outside it) rather than a failure to reach it.
func isContentFact(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, forge.ErrNotFound) ||
		errors.Is(err, compose.ErrTooLarge) || errors.Is(err, compose.ErrOutside)
}
