// Package compose loads the compose files of one repository snapshot with
// compose-go, the loader Docker Compose itself uses, and keeps the YAML nodes
// of every file so findings can point at the line that set a value.
package compose

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// MaxFileSize is the largest file composeguard reads. Compose files are a few
// kilobytes; anything this large is refused with a finding instead of loaded.
const MaxFileSize = 4 << 20

// ErrOutside is returned for a reference that leaves the snapshot: an absolute
// path, ".." past the root, a URL or a git remote.
var ErrOutside = errors.New("path leaves the repository")

// ErrTooLarge is returned for files over MaxFileSize.
var ErrTooLarge = fmt.Errorf("file is larger than %d MB", MaxFileSize>>20)

// Snapshot is the files of a repository at one commit, addressed by clean
// slash-separated paths relative to its root. It is all composeguard may read
// on a repository's behalf.
type Snapshot interface {
	// ReadFile returns a file's content, fs.ErrNotExist when there is none.
	ReadFile(path string) ([]byte, error)
	// Paths lists every file, sorted.
	Paths() []string
}

// MapSnapshot is an in-memory snapshot.
type MapSnapshot map[string][]byte

func (m MapSnapshot) ReadFile(p string) ([]byte, error) {
	b, ok := m[p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	if len(b) > MaxFileSize {
		return nil, ErrTooLarge
	}
	return b, nil
}

func (m MapSnapshot) Paths() []string {
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Overlay is a snapshot with some of its files replaced: path → new content.
type Overlay struct {
	Snapshot
	Files map[string][]byte
}

func (o Overlay) ReadFile(p string) ([]byte, error) {
	if b, ok := o.Files[p]; ok {
		return b, nil
	}
	return o.Snapshot.ReadFile(p)
}

// DirSnapshot reads a directory on disk. It lists regular files only, never
// follows a symbolic link, and refuses any path outside Root.
type DirSnapshot struct {
	Root  string
	paths []string
}

// NewDirSnapshot lists root's regular files, skipping .git and symbolic links.
func NewDirSnapshot(root string) (*DirSnapshot, error) {
	s := &DirSnapshot{Root: root}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		s.paths = append(s.paths, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(s.paths)
	return s, err
}

func (s *DirSnapshot) Paths() []string { return s.paths }

func (s *DirSnapshot) ReadFile(p string) ([]byte, error) {
	if !Inside(p) {
		return nil, ErrOutside
	}
	full := filepath.Join(s.Root, filepath.FromSlash(p))
	// Lstat on every component: a committed symlink must not lead out.
	cur := s.Root
	for _, part := range strings.Split(p, "/") {
		cur = filepath.Join(cur, part)
		info, err := os.Lstat(cur)
		if err != nil {
			return nil, err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s: symbolic links are not followed", p)
		}
	}
	info, err := os.Stat(full)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	if info.Size() > MaxFileSize {
		return nil, ErrTooLarge
	}
	return os.ReadFile(full)
}

// Inside reports whether p is a clean relative path that stays in the root.
func Inside(p string) bool {
	return p != "" && p != ".." && !strings.HasPrefix(p, "../") && !path.IsAbs(p) && path.Clean(p) == p
}

// ResolveRef resolves a path written in a file of directory dir (repository
// relative) to a repository-relative path, or ErrOutside.
func ResolveRef(dir, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("empty path")
	}
	if isRemote(ref) || path.IsAbs(ref) || filepath.IsAbs(ref) || strings.HasPrefix(ref, "~") ||
		strings.Contains(ref, `\`) || (len(ref) > 1 && ref[1] == ':') {
		return "", ErrOutside
	}
	p := path.Clean(path.Join(dir, ref))
	if p == "." || !Inside(p) {
		return "", ErrOutside
	}
	return p, nil
}

func isRemote(ref string) bool {
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") {
		return true
	}
	// oci:registry/x, git:…: a scheme before the first slash.
	if i := strings.Index(ref, ":"); i > 0 && !strings.Contains(ref[:i], "/") {
		return true
	}
	return false
}
