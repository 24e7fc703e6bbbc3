package compose

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"go.yaml.in/yaml/v3"
)

// refScanner walks include, extends and env_file references before loading:
// references that leave the snapshot become findings and are cut from the
// files handed to compose-go; the rest are parsed too.
//
// compose-go reads an include's env_file and project_directory/.env with
// plain file system calls, after interpolating them with an environment the
// scanner can only imitate. So those values are pinned: compose-go receives
// the path the scanner checked, absolute inside the private directory, and
// guardLoader lets it open only files the scanner parsed. Safety does not
// depend on the imitation being exact; the model's fidelity does.
type refScanner struct {
	p        *Project
	snap     Snapshot
	seen     map[string]bool // file and context already scanned
	tooMany  bool
	included []string // files brought in by include, weakest first
	cut      map[string]bool
	needFS   bool     // an include or extends.file must be read by compose-go
	extra    []string // other snapshot files compose-go may read (env files of includes)
	// pinned maps a source to the env_file and project_directory nodes of
	// its includes and the repository path each was checked as.
	pinned map[string]map[*yaml.Node]string
}

// maxScans bounds the files (times the contexts they are included in) one
// project may bring in, against include graphs that grow exponentially.
const maxScans = 256

// scanCtx is how compose-go sees a file: the working directory it resolves
// an include's env_file and project_directory against, and the environment
// it interpolates the file with.
type scanCtx struct {
	wd  string
	env map[string]string
}

func (c scanCtx) key() string {
	keys := make([]string, 0, len(c.env))
	for k := range c.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(c.wd)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + c.env[k])
	}
	return b.String()
}

func (l *refScanner) outside(src *Source, n *yaml.Node, what, ref string) {
	l.p.Problems = append(l.p.Problems, Problem{Rule: RuleOutside, Pos: src.pos(n),
		Message: fmt.Sprintf("%s %q points outside the repository; composeguard does not read it", what, ref)})
}

// ref interpolates a path written in a file seen in context c and resolves it
// against dir (repository relative).
func (l *refScanner) ref(c scanCtx, dir string, n *yaml.Node) (string, bool) {
	p, err := ResolveRef(dir, interpolateWith(c.env, n.Value))
	return p, err == nil
}

// refDir is ref for a directory, which may be dir itself.
func (l *refScanner) refDir(c scanCtx, dir string, n *yaml.Node) (string, bool) {
	ref := interpolateWith(c.env, n.Value)
	if ref == "" {
		return "", false
	}
	p, err := ResolveRef(dir, ref+"/.env")
	return path.Dir(p), err == nil
}

func (l *refScanner) scan(src *Source, c scanCtx, at Position) {
	if src == nil {
		return
	}
	key := src.Path + "\x00" + c.key()
	if l.seen[key] {
		return
	}
	if len(l.seen) >= maxScans {
		// Files left unscanned would reach compose-go unchecked: refuse
		// the project rather than load part of it.
		if !l.tooMany {
			l.tooMany = true
			l.p.invalid(at, "the project includes or extends more than %d files; composeguard does not load it", maxScans)
		}
		return
	}
	l.seen[key] = true
	for _, d := range src.Docs {
		l.scanIncludes(src, d, c)
		_, services := lookup(d, "services")
		Mapping(services, func(_, sv *yaml.Node) {
			l.scanService(src, sv, c)
		})
	}
}

func (l *refScanner) scanIncludes(src *Source, d *yaml.Node, c scanCtx) {
	_, inc := lookup(d, "include")
	inc = Resolve(inc)
	if inc == nil || inc.Kind != yaml.SequenceNode {
		return
	}
	kept := inc.Content[:0:0]
	for _, raw := range inc.Content {
		item := Resolve(raw)
		var paths, envs []*yaml.Node
		var dir *yaml.Node
		if item.Kind == yaml.ScalarNode {
			paths = []*yaml.Node{item}
		} else {
			_, pn := lookup(item, "path")
			paths = scalars(pn)
			_, en := lookup(item, "env_file")
			envs = scalars(en)
			_, dir = lookup(item, "project_directory")
			if dir = Resolve(dir); dir != nil && dir.Kind != yaml.ScalarNode {
				dir = &yaml.Node{Kind: yaml.ScalarNode, Line: dir.Line, Column: dir.Column}
			}
		}
		ok := true
		pins := map[*yaml.Node]string{}
		// include paths go through guardLoader, relative to the file.
		var targets []string
		for _, n := range paths {
			t, safe := l.ref(c, path.Dir(src.Path), n)
			if !safe {
				l.outside(src, n, "include", n.Value)
				ok = false
			}
			targets = append(targets, t)
		}
		// env_file and project_directory are relative to the working
		// directory, as compose-go's ApplyInclude reads them.
		var envFiles []string
		for _, n := range envs {
			if interpolateWith(c.env, n.Value) == "/dev/null" { // compose-go skips it
				pins[n] = "/dev/null"
				continue
			}
			t, safe := l.ref(c, c.wd, n)
			if !safe {
				l.outside(src, n, "include env_file", n.Value)
				ok = false
			}
			pins[n] = t
			envFiles = append(envFiles, t)
		}
		wd := ""
		if dir != nil {
			t, safe := l.refDir(c, c.wd, dir)
			if !safe {
				l.outside(src, dir, "include project_directory", dir.Value)
				ok = false
			}
			pins[dir] = t
			wd = t
		}
		if !ok {
			l.markCut(src)
			continue
		}
		kept = append(kept, raw)
		l.needFS = true
		for n, t := range pins {
			l.pin(src, n, t)
		}
		if len(targets) == 0 {
			continue // compose-go rejects an include without a path
		}
		if wd == "" {
			wd = path.Dir(targets[0])
		}
		if len(envs) == 0 {
			if _, err := l.snap.ReadFile(path.Join(wd, ".env")); err == nil {
				envFiles = []string{path.Join(wd, ".env")}
			}
		}
		l.extra = append(l.extra, envFiles...)
		l.p.Reads = append(l.p.Reads, envFiles...)
		inner := scanCtx{wd: wd, env: l.includeEnv(c.env, envFiles)}
		for i, t := range targets {
			at := src.pos(paths[i])
			if inc := l.p.parse(l.snap, t, at); inc != nil {
				l.scan(inc, inner, at)
				l.addIncluded(t)
			}
		}
	}
	if len(kept) != len(inc.Content) {
		inc.Content = kept
	}
}

// includeEnv is the environment compose-go gives an included file: the
// including file's, then the include's env files (dotenv.GetEnvFromFile).
func (l *refScanner) includeEnv(parent map[string]string, files []string) map[string]string {
	vars := map[string]string{}
	for _, f := range files {
		b, err := l.snap.ReadFile(f)
		if err != nil {
			continue // compose-go fails on it as well
		}
		_ = dotenv.ParseWithFormat(bytes.NewReader(b), f, vars, func(k string) (string, bool) {
			if v, ok := parent[k]; ok {
				return v, true
			}
			v, ok := vars[k]
			return v, ok
		}, "")
	}
	env := make(map[string]string, len(parent)+len(vars))
	for k, v := range vars {
		env[k] = v
	}
	for k, v := range parent { // types.Mapping.Merge: the including file wins
		env[k] = v
	}
	return env
}

func (l *refScanner) pin(src *Source, n *yaml.Node, target string) {
	if l.pinned == nil {
		l.pinned = map[string]map[*yaml.Node]string{}
	}
	if l.pinned[src.Path] == nil {
		l.pinned[src.Path] = map[*yaml.Node]string{}
	}
	if _, done := l.pinned[src.Path][n]; !done { // the first context wins
		l.pinned[src.Path][n] = target
	}
	l.markCut(src)
}

func (l *refScanner) addIncluded(f string) {
	for _, g := range l.included {
		if g == f {
			return
		}
	}
	l.included = append(l.included, f)
}

func (l *refScanner) scanService(src *Source, sv *yaml.Node, c scanCtx) {
	for _, key := range []string{"env_file", "label_file"} {
		_, n := lookup(sv, key)
		for _, f := range scalars(n) {
			if p, ok := l.ref(c, path.Dir(src.Path), f); ok {
				l.p.Reads = append(l.p.Reads, p)
			} else {
				l.outside(src, f, key, f.Value)
			}
		}
	}
	_, ext := lookup(sv, "extends")
	ext = Resolve(ext)
	if ext == nil || ext.Kind != yaml.MappingNode {
		return
	}
	_, file := lookup(ext, "file")
	if file = Resolve(file); file == nil {
		return
	}
	t, ok := l.ref(c, path.Dir(src.Path), file)
	if !ok {
		l.outside(src, file, "extends file", file.Value)
		removeKey(sv, "extends")
		l.markCut(src)
		return
	}
	l.needFS = true
	if base := l.p.parse(l.snap, t, src.pos(file)); base != nil {
		l.scan(base, c, src.pos(file))
	}
}

func (l *refScanner) markCut(src *Source) {
	if l.cut == nil {
		l.cut = map[string]bool{}
	}
	l.cut[src.Path] = true
}

// scalars returns a scalar node, or the scalar items of a sequence, or the
// `path` of long-form items (env_file: [{path: …}]).
func scalars(n *yaml.Node) []*yaml.Node {
	n = Resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			c = Resolve(c)
			if c == nil {
				continue
			}
			if c.Kind == yaml.MappingNode {
				if _, pn := lookup(c, "path"); pn != nil {
					c = Resolve(pn)
				}
			}
			if c.Kind == yaml.ScalarNode {
				out = append(out, c)
			}
		}
		return out
	}
	return nil
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := Resolve(m.Content[i]); k != nil && k.Value == key {
			m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
			return
		}
	}
}

// content is what compose-go receives for a file: the original bytes, or a
// re-encoding when a reference had to be cut from it or pinned (see
// refScanner) under root.
func (l *refScanner) content(src *Source, root string) []byte {
	if !l.cut[src.Path] {
		return stripExtensions(src)
	}
	type saved struct {
		n          *yaml.Node
		value, tag string
		style      yaml.Style
	}
	var restore []saved
	for n, t := range l.pinned[src.Path] {
		restore = append(restore, saved{n, n.Value, n.Tag, n.Style})
		if t != "/dev/null" {
			t = filepath.Join(root, filepath.FromSlash(t))
		}
		// a literal: compose-go interpolates it to exactly this path
		n.Value, n.Tag, n.Style = strings.ReplaceAll(t, "$", "$$"), "!!str", yaml.DoubleQuotedStyle
	}
	defer func() {
		for _, s := range restore {
			s.n.Value, s.n.Tag, s.n.Style = s.value, s.tag, s.style
		}
	}()
	var b bytes.Buffer
	for i, d := range src.Docs {
		if i > 0 {
			b.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&b)
		_ = enc.Encode(d)
		_ = enc.Close()
	}
	return b.Bytes()
}

// interpolateWith substitutes env's variables in s as Compose would; s comes
// back as written when it is not valid interpolation.
func interpolateWith(env map[string]string, s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	out, err := substitute(s, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		return s
	}
	return out
}
