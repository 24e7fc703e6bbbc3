package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
)

// repository is the part of one repository the PATH arguments name. Its
// snapshot is the whole repository, so the policy at its root governs
// every path audited in it, exceptions' file: globs match repository paths
// as they do in the pull request review, and a project's files are found
// wherever they are; the arguments only choose which projects to audit.
type repository struct {
	root  string // absolute
	snap  compose.Snapshot
	pol   *policy.Policy
	dirs  []string // folders named, relative to root ("." for all of it)
	files []string // files named, relative to root
	args  []string // the folders as typed, for messages
	abs   bool     // show paths absolute, as the first argument was
	cwd   string
}

// findRoot returns the repository root above dir: the nearest folder
// holding .git (a folder, or a file in a worktree or submodule). Without
// one, dir itself is the root.
func findRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// repositories resolves PATH arguments to the repositories holding them, in
// the order first named, and reads each one's policy: override when given,
// else the .composeguard.yml at its root.
func repositories(args []string, override *policy.Policy) ([]*repository, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var out []*repository
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		full, err := filepath.Abs(arg)
		if err != nil {
			return nil, err
		}
		dir := full
		if !info.IsDir() {
			dir = filepath.Dir(full)
		}
		root := findRoot(dir)
		i := slices.IndexFunc(out, func(r *repository) bool { return r.root == root })
		if i < 0 {
			out = append(out, &repository{root: root, abs: filepath.IsAbs(arg), cwd: cwd})
			i = len(out) - 1
		}
		r := out[i]
		rel, err := filepath.Rel(root, full)
		if err != nil {
			return nil, err
		}
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			r.dirs = append(r.dirs, rel)
			r.args = append(r.args, arg)
		} else {
			r.files = append(r.files, rel)
		}
	}
	for _, r := range out {
		snap, err := compose.NewDirSnapshot(r.root)
		if err != nil {
			return nil, err
		}
		r.snap, r.pol = snap, readPolicy(override, snap)
		// A file named on the command line is audited even when its name is
		// not one the policy's patterns select.
		for _, f := range r.files {
			r.pol = r.pol.Naming(f)
		}
	}
	return out, nil
}

// readPolicy returns the override policy, else the repository's own.
func readPolicy(override *policy.Policy, snap compose.Snapshot) *policy.Policy {
	if override != nil {
		return override
	}
	return policy.Read(snap)
}

// covers reports whether a repository path is one the arguments name: a
// named file, or a file in a named folder.
func (r *repository) covers(p string) bool {
	if slices.Contains(r.files, p) {
		return true
	}
	return slices.ContainsFunc(r.dirs, func(d string) bool { return under(p, d) })
}

// composeFiles lists the compose files the arguments name: those the
// policy selects among the named files and folders.
func (r *repository) composeFiles() []string {
	var files []string
	for _, p := range r.snap.Paths() {
		if r.pol.Selects(p) && r.covers(p) {
			files = append(files, p)
		}
	}
	return files
}

// warnPolicy prints the problems of the repository's policy file: commands
// other than audit, which reports them as findings, still run with its
// defaults in their place.
func (r *repository) warnPolicy(stderr io.Writer) {
	for _, p := range r.pol.Problems {
		fmt.Fprintf(stderr, "composeguard: %s:%d: %s\n", p.Pos.File, p.Pos.Line, p.Message)
	}
}

// under reports whether repository path p is inside folder dir.
func under(p, dir string) bool { return dir == "." || strings.HasPrefix(p, dir+"/") }

// show is how a repository path is printed: relative to the current folder,
// or absolute when the argument was.
func (r *repository) show(p string) string {
	full := filepath.Join(r.root, filepath.FromSlash(p))
	if !r.abs {
		if rel, err := filepath.Rel(r.cwd, full); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(full)
}

// rootPath is how a file named on the command line is written relative to
// the repository root; one outside the root keeps the name typed.
func (r *repository) rootPath(typed string) string {
	full := typed
	if !filepath.IsAbs(full) {
		full = filepath.Join(r.cwd, typed)
	}
	if rel, err := filepath.Rel(r.root, full); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(typed)
}

// roots lists the repositories' roots, for messages.
func roots(repos []*repository) []string {
	var out []string
	for _, r := range repos {
		out = append(out, r.root)
	}
	return out
}

// noCompose is the error for a folder argument of command holding no
// compose file.
func noCompose(command, arg string, pol *policy.Policy) error {
	return fmt.Errorf("no compose files found under %s (looked for %s); pass a file explicitly: composeguard %s path/to/file.yml", arg, pol.Patterns(), command)
}
