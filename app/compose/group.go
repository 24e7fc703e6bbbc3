package compose

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"go.yaml.in/yaml/v3"
)

// Spec declares a project made of several files, as the policy's projects:
// section does: the files in the order Compose loads them (docker compose
// -f a -f b), paths or globs relative to the repository root.
type Spec struct {
	Files []string
	// Each, when set, makes one project per file it matches: Files with
	// the Each entry replaced by that file (or the file appended last when
	// Files does not list Each).
	Each string
	Pos  Position // where the policy declares it
}

// Plan is one project to load: its files in load order (the main file
// first), and the file it is known by.
type Plan struct {
	Files []string
	// Key names the project in the score: the main file, or for a
	// declared project with each, the file matched. Projects that extend
	// one main file with different overrides share its key, so a service
	// counts once however many variants of its deployment are audited.
	Key string
	// Variant marks a project attach made: Key's project with one more
	// override on top, which Compose does not load by itself.
	Variant bool
}

// Unmatched is a glob of a declared project that matches no file.
type Unmatched struct {
	Spec Spec
	Glob string
}

// Grouping is how a repository's compose files form projects.
type Grouping struct {
	Plans []Plan
	// Problems are found in the project definitions themselves, such as a
	// COMPOSE_FILE naming a file the repository does not have.
	Problems  []Problem
	Unmatched []Unmatched
}

// Only keeps the plans keep accepts; problems about the definitions stay.
func (g Grouping) Only(keep func(Plan) bool) Grouping {
	out := Grouping{Problems: g.Problems, Unmatched: g.Unmatched}
	for _, p := range g.Plans {
		if keep(p) {
			out.Plans = append(out.Plans, p)
		}
	}
	return out
}

// Group turns a repository's compose files (selected, repository-relative)
// into the projects Docker Compose would load, in this order of precedence:
//
//   - the projects declared in the policy (specs), whose files may be any
//     file of the snapshot;
//   - COMPOSE_FILE in a folder's .env (split on COMPOSE_PATH_SEPARATOR,
//     default ":"), for the root and every folder holding a selected file;
//   - every other main file, with the override Compose loads beside it
//     (compose.override.yaml beside compose.yaml…).
//
// An override file (name.override.yml) is merged with the main file it
// extends, beside it or in a folder above, as one more project on top of
// that main file's: never audited alone while a main file exists. One with
// no main file is a project alone, which Load reports as a fragment.
func Group(snap Snapshot, selected []string, specs []Spec) Grouping {
	g := &grouper{snap: snap, paths: map[string]bool{}, parsed: map[string]*Source{},
		selected: map[string]bool{}, own: map[int]bool{}}
	for _, p := range snap.Paths() {
		g.paths[p] = true
	}
	for _, f := range selected {
		g.selected[f] = true
	}
	taken := map[string]bool{}
	for _, s := range specs {
		for _, plan := range g.declared(s) {
			g.add(plan, taken)
		}
	}
	for _, plan := range g.composeFileEnv(selected) {
		// A project the policy declares wins over the .env's.
		if !slices.ContainsFunc(plan.Files, func(f string) bool { return taken[f] }) {
			g.add(plan, taken)
		}
	}
	var overrides []string
	for _, f := range slices.Sorted(slices.Values(selected)) {
		switch {
		case taken[f]:
		case isOverride(f):
			overrides = append(overrides, f)
		default:
			g.own[len(g.out.Plans)] = true
			g.add(Plan{Files: []string{f}, Key: f}, taken)
		}
	}
	for _, o := range overrides {
		g.attach(o)
	}
	sort.SliceStable(g.out.Plans, func(i, j int) bool {
		a, b := g.out.Plans[i], g.out.Plans[j]
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return strings.Join(a.Files, "\x00") < strings.Join(b.Files, "\x00")
	})
	return g.out
}

type grouper struct {
	snap     Snapshot
	paths    map[string]bool
	selected map[string]bool
	parsed   map[string]*Source
	out      Grouping
	own      map[int]bool // plans of a main file alone, which take the override Compose loads beside it
}

func (g *grouper) add(p Plan, taken map[string]bool) {
	g.out.Plans = append(g.out.Plans, p)
	for _, f := range p.Files {
		taken[f] = true
	}
}

// declared expands one policy declaration against the snapshot's files.
func (g *grouper) declared(s Spec) []Plan {
	expand := func(glob string) []string {
		var out []string
		re := Glob(glob)
		for p := range g.paths {
			if re.MatchString(p) {
				out = append(out, p)
			}
		}
		sort.Strings(out)
		if len(out) == 0 {
			g.out.Unmatched = append(g.out.Unmatched, Unmatched{Spec: s, Glob: glob})
		}
		return out
	}
	entries := s.Files
	if s.Each != "" && !slices.Contains(entries, s.Each) {
		entries = append(entries[:len(entries):len(entries)], s.Each)
	}
	matches := map[string][]string{}
	for _, e := range entries {
		if _, done := matches[e]; !done {
			matches[e] = expand(e)
		}
	}
	build := func(each string) []string {
		var files []string
		for _, e := range entries {
			list := matches[e]
			if s.Each != "" && e == s.Each {
				list = []string{each}
			}
			for _, f := range list {
				if !slices.Contains(files, f) {
					files = append(files, f)
				}
			}
		}
		return files
	}
	if s.Each == "" {
		if files := build(""); len(files) > 0 {
			return []Plan{{Files: files, Key: files[0]}}
		}
		return nil
	}
	var plans []Plan
	for _, m := range matches[s.Each] {
		plans = append(plans, Plan{Files: build(m), Key: m})
	}
	return plans
}

// composeFileEnv reads COMPOSE_FILE from the .env of the root and of each
// folder holding a selected file: Compose then loads those files, in that
// order, and nothing beside them.
func (g *grouper) composeFileEnv(selected []string) []Plan {
	dirs := map[string]bool{".": true}
	for _, f := range selected {
		dirs[path.Dir(f)] = true
	}
	var plans []Plan
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		name := path.Join(dir, ".env")
		if !g.paths[name] {
			continue
		}
		b, err := g.snap.ReadFile(name)
		if err != nil {
			continue // Load reports an unreadable .env
		}
		env, err := dotenv.ParseWithLookup(bytes.NewReader(b), func(string) (string, bool) { return "", false })
		if err != nil || strings.TrimSpace(env["COMPOSE_FILE"]) == "" {
			continue
		}
		sep := env["COMPOSE_PATH_SEPARATOR"]
		if sep == "" {
			sep = ":"
		}
		at := Position{File: name, Line: envLine(b, "COMPOSE_FILE"), Column: 1}
		var files []string
		for _, ref := range strings.Split(env["COMPOSE_FILE"], sep) {
			if ref = strings.TrimSpace(ref); ref == "" {
				continue
			}
			f, err := ResolveRef(dir, ref)
			switch {
			case err != nil:
				g.out.Problems = append(g.out.Problems, Problem{Rule: RuleOutside, Pos: at,
					Message: fmt.Sprintf("COMPOSE_FILE names %q, which points outside the repository; composeguard does not read it", ref)})
			case !g.paths[f]:
				g.out.Problems = append(g.out.Problems, Problem{Rule: RuleInvalid, Pos: at,
					Message: fmt.Sprintf("COMPOSE_FILE names %q, which is not in the repository: docker compose stops there", ref)})
			case !slices.Contains(files, f):
				files = append(files, f)
			}
		}
		if len(files) > 0 {
			plans = append(plans, Plan{Files: files, Key: files[0]})
		}
	}
	return plans
}

// envLine is the line of a .env file that sets name, 1 when none does.
func envLine(b []byte, name string) int {
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "export ")
		if strings.HasPrefix(strings.TrimSpace(line), name+"=") {
			return i + 1
		}
	}
	return 1
}

// attach merges an override with the main file it extends: the override
// Compose itself loads beside compose.yaml or docker-compose.yml joins that
// file's project; any other makes one more project, on top of the nearest
// main file beside it or in a folder above that defines one of its
// services or networks (a main file of the same name beside it needs no
// such proof).
func (g *grouper) attach(o string) {
	stem := overrideRe.FindStringSubmatch(path.Base(o))[1]
	for dir := path.Dir(o); ; dir = path.Dir(dir) {
		for _, i := range g.candidates(dir, stem) {
			main := g.out.Plans[i]
			beside := dir == path.Dir(o) && stemOf(main.Key) == stem
			if !beside && !g.extends(o, main.Files) {
				continue
			}
			if beside && g.own[i] && len(main.Files) == 1 && g.autoLoaded(main.Key, o) {
				g.out.Plans[i].Files = append(main.Files, o)
				return
			}
			base := main.Files
			if g.own[i] {
				base = base[:1] // an alternative to the override Compose loads, not one more on top
			}
			g.out.Plans = append(g.out.Plans, Plan{Files: append(slices.Clip(base), o), Key: main.Key, Variant: true})
			return
		}
		if dir == "." {
			break
		}
	}
	g.out.Plans = append(g.out.Plans, Plan{Files: []string{o}, Key: o})
}

// autoLoaded reports whether Compose, run beside main with no -f, loads
// override with it: only for its own file names, and the override of the
// main file's extension when both are there.
func (g *grouper) autoLoaded(main, override string) bool {
	if !slices.Contains(composeNames, path.Base(main)) {
		return false
	}
	ext := path.Ext(main)
	same := path.Join(path.Dir(main), stemOf(main)+".override"+ext)
	return path.Ext(override) == ext || !g.selected[same]
}

// candidates lists the plans known by a main file in dir, the likeliest
// first: the override's own name without .override, then the names
// Compose looks for, then the rest by name. Lone overrides and the
// projects attach made are not candidates.
func (g *grouper) candidates(dir, stem string) []int {
	var out []int
	for i, p := range g.out.Plans {
		if path.Dir(p.Key) == dir && !p.Variant && !isOverride(p.Key) {
			out = append(out, i)
		}
	}
	rank := func(i int) (int, string) {
		f := g.out.Plans[i].Key
		if stemOf(f) == stem {
			return 0, f
		}
		if r := slices.Index(composeNames, path.Base(f)); r >= 0 {
			return 1 + r, f
		}
		return 1 + len(composeNames), f
	}
	slices.SortStableFunc(out, func(a, b int) int {
		ra, fa := rank(a)
		rb, fb := rank(b)
		return cmp.Or(cmp.Compare(ra, rb), strings.Compare(fa, fb))
	})
	return out
}

// composeNames are the files Compose loads when none is named, in its order
// of preference (compose-go cli/options.go).
var composeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// extends reports whether an override names one of the services the files
// define, or joins one of their networks.
func (g *grouper) extends(override string, files []string) bool {
	services, networks := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		src := g.parse(f)
		if src == nil {
			continue
		}
		for _, d := range src.Docs {
			_, s := lookup(d, "services")
			Mapping(s, func(k, _ *yaml.Node) { services[k.Value] = true })
			_, n := lookup(d, "networks")
			Mapping(n, func(k, _ *yaml.Node) { networks[k.Value] = true })
		}
	}
	src := g.parse(override)
	if src == nil {
		return false
	}
	found := false
	for _, d := range src.Docs {
		_, s := lookup(d, "services")
		Mapping(s, func(k, v *yaml.Node) {
			found = found || services[k.Value]
			_, joined := lookup(v, "networks")
			if joined = Resolve(joined); joined != nil && joined.Kind == yaml.SequenceNode {
				for _, n := range joined.Content {
					found = found || (Resolve(n) != nil && networks[Resolve(n).Value])
				}
				return
			}
			Mapping(joined, func(k, _ *yaml.Node) { found = found || networks[k.Value] })
		})
	}
	return found
}

func (g *grouper) parse(f string) *Source {
	if src, ok := g.parsed[f]; ok {
		return src
	}
	var src *Source
	if b, err := g.snap.ReadFile(f); err == nil {
		if s, err := ParseSource(f, b); err == nil {
			src = s
		}
	}
	g.parsed[f] = src
	return src
}

// overrideRe matches an override file's name: what it overrides, then
// .override.yml or .override.yaml.
var overrideRe = regexp.MustCompile(`^(.+)\.override\.ya?ml$`)

// isOverride reports whether a file is named like an override file
// (compose.override.yaml, docker-compose.prod.override.yml): a fragment
// meant to be loaded on top of a main file.
func isOverride(f string) bool { return overrideRe.MatchString(path.Base(f)) }

// stemOf is a file's name without its .yml or .yaml extension.
func stemOf(f string) string {
	base := path.Base(f)
	return strings.TrimSuffix(strings.TrimSuffix(base, ".yml"), ".yaml")
}

// Glob compiles a path glob: * and ? stay inside one path segment, **
// crosses segments.
func Glob(g string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case g[i] == '*':
			b.WriteString("[^/]*")
		case g[i] == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(g[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
