package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/consts"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"
)

func init() {
	// compose-go warns through logrus (unset variables, obsolete version);
	// composeguard reports through findings, never by echoing a repository.
	logrus.SetOutput(io.Discard)
}

const (
	RuleInvalid = "compose-invalid"
	RuleOutside = "path-outside-repository"
)

// virtualRoot is where the snapshot appears to compose-go when nothing has to
// be read from disk; it never exists, so no stray read can find a file.
const virtualRoot = "/nonexistent/composeguard-snapshot"

// Load loads one project: files[0] is the main compose file, the rest are its
// overrides, all repository-relative. It never fails: what cannot be loaded
// becomes a Problem, and Model stays nil.
func Load(ctx context.Context, snap Snapshot, files []string) *Project {
	p := &Project{Dir: path.Dir(files[0]), Files: files, Sources: map[string]*Source{}, Env: map[string]string{}, Snapshot: snap}
	p.readEnv(snap)
	for _, f := range files {
		if src := p.parse(snap, f, Position{File: f, Line: 1, Column: 1}); src == nil {
			return p
		}
	}
	l := &refScanner{p: p, snap: snap, seen: map[string]bool{}}
	for _, f := range files {
		l.scan(p.Sources[f], scanCtx{wd: p.Dir, env: p.Env}, Position{File: f, Line: 1, Column: 1})
	}
	p.layers = append(l.included, files...)
	p.checkServiceCount()
	if len(p.Problems) > 0 && p.hasInvalid() {
		return p
	}
	p.Model = p.runLoader(ctx, snap, l)
	return p
}

// MaxServices bounds a project: compose-go needs about half a millisecond
// per service, so a generated file of ten thousand would hold a server for
// seconds. Real stacks have tens.
const MaxServices = 1000

func (p *Project) checkServiceCount() {
	names := map[string]bool{}
	var at Position
	for _, f := range p.layers {
		src := p.Sources[f]
		for _, d := range src.Docs {
			k, services := lookup(d, "services")
			Mapping(services, func(name, _ *yaml.Node) { names[name.Value] = true })
			if k != nil && at.File == "" {
				at = src.pos(k)
			}
		}
	}
	if len(names) > MaxServices {
		p.invalid(at, "%d services: composeguard audits up to %d services in one project", len(names), MaxServices)
	}
}

func (p *Project) hasInvalid() bool {
	for _, pr := range p.Problems {
		if pr.Rule == RuleInvalid {
			return true
		}
	}
	return false
}

func (p *Project) invalid(pos Position, format string, args ...any) {
	p.Problems = append(p.Problems, Problem{Rule: RuleInvalid, Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// readEnv reads the project .env from the snapshot only; the server's own
// environment never takes part.
func (p *Project) readEnv(snap Snapshot) {
	name := path.Join(p.Dir, ".env")
	b, err := snap.ReadFile(name)
	if err != nil {
		return
	}
	env, err := dotenv.ParseWithLookup(bytes.NewReader(b), func(string) (string, bool) { return "", false })
	if err != nil {
		p.invalid(Position{File: name, Line: lineOf(err), Column: 1}, "the .env file cannot be read: %s", cleanMessage(err.Error(), ""))
		return
	}
	p.Env = env
}

// parse reads and parses one file into p.Sources; at marks the reference
// that asked for it.
func (p *Project) parse(snap Snapshot, f string, at Position) *Source {
	if src := p.Sources[f]; src != nil {
		return src
	}
	b, err := snap.ReadFile(f)
	switch {
	case errors.Is(err, ErrTooLarge):
		p.invalid(at, "%s is larger than %d MB; composeguard does not load files that size", f, MaxFileSize>>20)
		return nil
	case err != nil:
		p.invalid(at, "%s cannot be read: %s", f, cleanMessage(err.Error(), ""))
		return nil
	case len(bytes.TrimSpace(b)) == 0:
		p.invalid(Position{File: f, Line: 1, Column: 1}, "%s is empty: Compose refuses an empty file", f)
		return nil
	}
	src, err := ParseSource(f, b)
	if err != nil {
		line, msg := syntaxError(b, err)
		p.invalid(Position{File: f, Line: line, Column: 1}, "invalid YAML: %s", msg)
		return nil
	}
	for _, d := range src.Docs {
		if d.Kind != yaml.MappingNode {
			p.invalid(src.pos(d), "%s is not a compose file: its top level is not a mapping", f)
			return nil
		}
		if n, msg := structureProblem(d); n != nil {
			p.invalid(src.pos(n), "%s", msg)
			return nil
		}
	}
	if len(src.Docs) == 0 {
		p.invalid(Position{File: f, Line: 1, Column: 1}, "%s holds no YAML document", f)
		return nil
	}
	p.Sources[f] = src
	return src
}

var (
	yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): `)
	aliasErrRe = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)
	addPropRe  = regexp.MustCompile(`additional properties ((?:'[^']+',? ?)+)not allowed`)
	quotedRe   = regexp.MustCompile(`'([^']+)'`)
)

// maxRefine is the largest file whose syntax error is placed more precisely
// than yaml.v3 does, which costs a few more parses.
const maxRefine = 256 << 10

// syntaxError places a YAML syntax error and words it without the line.
// yaml.v3 reports a parser error ("did not find expected key") at the line
// that opened the enclosing block, often the first line of the file. The
// offending line is the first at which a prefix of the file fails the same
// way: at most the last line the parser read before failing, and rarely
// more than a line or two before it.
func syntaxError(content []byte, err error) (int, string) {
	msg := err.Error()
	line := lineOf(err)
	text := strings.TrimPrefix(yamlLineRe.ReplaceAllString(msg, ""), "yaml: ")
	if m := aliasErrRe.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(content, []byte("*"+m[1])); i >= 0 {
			line = bytes.Count(content[:i], []byte("\n")) + 1
		}
		return line, text
	}
	if !strings.Contains(msg, "did not find expected") || len(content) > maxRefine {
		return line, text
	}
	prefix := func(n int) []byte { // the first n lines
		end := 0
		for i := 0; i < n && end < len(content); i++ {
			if j := bytes.IndexByte(content[end:], '\n'); j >= 0 {
				end += j + 1
			} else {
				end = len(content)
			}
		}
		return content[:end]
	}
	failsAt := func(n int) bool {
		_, perr := ParseSource("", prefix(n))
		return perr != nil && strings.HasSuffix(perr.Error(), text)
	}
	r := &lineReader{rest: content}
	dec := yaml.NewDecoder(r)
	for {
		var doc yaml.Node
		if dec.Decode(&doc) != nil {
			break
		}
	}
	read := content[:len(content)-len(r.rest)]
	n := bytes.Count(read, []byte("\n"))
	if len(read) > 0 && read[len(read)-1] != '\n' {
		n++ // a line read in part
	}
	if n <= line || !failsAt(n) {
		return line, text
	}
	for steps := 0; n-1 > line && steps < 8 && failsAt(n-1); steps++ {
		n--
	}
	return n, text
}

// lineReader hands yaml.v3 at most one line per Read, so that what it has
// read when it fails ends near the failure.
type lineReader struct{ rest []byte }

func (r *lineReader) Read(b []byte) (int, error) {
	if len(r.rest) == 0 {
		return 0, io.EOF
	}
	n := bytes.IndexByte(r.rest, '\n') + 1
	if n == 0 {
		n = len(r.rest)
	}
	if n > len(b) {
		n = len(b)
	}
	copy(b, r.rest[:n])
	r.rest = r.rest[n:]
	return n, nil
}

// MaxDepth is the deepest nesting composeguard loads. Compose files need a
// handful of levels; compose-go's cost grows with the square of the depth.
const MaxDepth = 256

// structureProblem finds, in file order, the first mapping key written twice
// in the same mapping (an alias key counts as its anchor's text), which
// Compose's YAML parser rejects, or the first node nested deeper than
// MaxDepth. Aliases are not followed, so the walk costs the file's size.
func structureProblem(root *yaml.Node) (*yaml.Node, string) {
	type entry struct {
		n     *yaml.Node
		depth int
	}
	stack := []entry{{root, 0}}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := e.n
		if e.depth > MaxDepth {
			return n, fmt.Sprintf("values are nested more than %d levels deep; composeguard does not load such a file", MaxDepth)
		}
		if n.Kind == yaml.MappingNode {
			seen := map[string]*yaml.Node{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := resolve(n.Content[i])
				if k == nil || k.Kind != yaml.ScalarNode {
					continue
				}
				id := k.ShortTag() + "\x00" + k.Value
				if first, ok := seen[id]; ok {
					return n.Content[i], fmt.Sprintf("invalid YAML: key %q is already defined at line %d; Compose refuses duplicate keys", k.Value, first.Line)
				}
				seen[id] = n.Content[i]
			}
		}
		for i := len(n.Content) - 1; i >= 0; i-- { // in file order
			stack = append(stack, entry{n.Content[i], e.depth + 1})
		}
	}
	return nil, ""
}

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
	inc = resolve(inc)
	if inc == nil || inc.Kind != yaml.SequenceNode {
		return
	}
	kept := inc.Content[:0:0]
	for _, raw := range inc.Content {
		item := resolve(raw)
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
			if dir = resolve(dir); dir != nil && dir.Kind != yaml.ScalarNode {
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
			if _, ok := l.ref(c, path.Dir(src.Path), f); !ok {
				l.outside(src, f, key, f.Value)
			}
		}
	}
	_, ext := lookup(sv, "extends")
	ext = resolve(ext)
	if ext == nil || ext.Kind != yaml.MappingNode {
		return
	}
	_, file := lookup(ext, "file")
	if file = resolve(file); file == nil {
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
	n = resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []*yaml.Node
		for _, c := range n.Content {
			c = resolve(c)
			if c == nil {
				continue
			}
			if c.Kind == yaml.MappingNode {
				if _, pn := lookup(c, "path"); pn != nil {
					c = resolve(pn)
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
		if k := resolve(m.Content[i]); k != nil && k.Value == key {
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

func (p *Project) runLoader(ctx context.Context, snap Snapshot, l *refScanner) (model *types.Project) {
	root := virtualRoot
	if l.needFS {
		dir, err := p.materialize(snap, l)
		if err != nil {
			p.invalid(p.firstPos(), "cannot prepare included files: %s", cleanMessage(err.Error(), dir))
			return nil
		}
		defer os.RemoveAll(dir)
		root = dir
	}
	details := types.ConfigDetails{
		WorkingDir:  filepath.Join(root, p.Dir),
		Environment: types.Mapping(p.Env),
	}
	for _, f := range p.Files {
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{
			Filename: filepath.Join(root, f), Content: l.content(p.Sources[f], root),
		})
	}
	defer func() {
		// compose-go has no business panicking on user input, but an auditor
		// of other people's files must survive it if it does.
		if r := recover(); r != nil {
			p.invalid(p.firstPos(), "compose-go failed on this file: %v", r)
			model = nil
		}
	}()
	model, err := p.compose(ctx, details, l, root)
	if err != nil {
		// Unknown variables are empty for Compose, which may reject the
		// file only because the deployment's values are missing here.
		if stand := p.placeholders(); len(stand) > 0 {
			details.Environment = types.Mapping(p.Env).Clone().Merge(stand)
			if retry, rerr := p.compose(ctx, details, l, root); rerr == nil {
				return retry
			}
		}
		p.invalid(p.errorPos(err, root), "Compose rejects this project: %s", cleanMessage(err.Error(), root))
		return nil
	}
	return model
}

func (p *Project) compose(ctx context.Context, details types.ConfigDetails, l *refScanner, root string) (*types.Project, error) {
	return loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		// The directory names the project unless the file sets name: or
		// .env sets COMPOSE_PROJECT_NAME, as in Compose.
		o.SetProjectName(projectName(p.Dir), false)
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
		o.ResolvePaths = false
		o.SkipInclude = !l.needFS
		// A lone override file (no main file beside it) is a fragment.
		o.SkipConsistencyCheck = isOverride(p.Files[0])
		o.Profiles = []string{"*"}
		o.Interpolate.Substitute = substitute
		o.ResourceLoaders = []loader.ResourceLoader{guardLoader{root: root, parsed: p.Sources}}
	})
}

// materialize writes the parsed sources and the env files includes need into
// a private temporary directory, so compose-go reads only snapshot content.
func (p *Project) materialize(snap Snapshot, l *refScanner) (string, error) {
	dir, err := os.MkdirTemp("", "composeguard-")
	if err != nil {
		return "", err
	}
	write := func(rel string, b []byte) error {
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			return err
		}
		return os.WriteFile(full, b, 0o600)
	}
	// Env files first: a file that is also a compose source must end up as
	// the checked source, never as its raw bytes.
	for _, f := range append(l.extra, path.Join(p.Dir, ".env")) {
		if b, err := snap.ReadFile(f); err == nil {
			if err := write(f, b); err != nil {
				return dir, err
			}
		}
	}
	for f, src := range p.Sources {
		if err := write(f, l.content(src, dir)); err != nil {
			return dir, err
		}
	}
	return dir, nil
}

// guardLoader is the first resource loader compose-go asks: it accepts every
// reference and maps it into the materialized snapshot, refusing what leaves
// it, so compose-go's own loader, which reads any host path, is never used.
// It opens only files the scanner parsed (and so checked): compose-go may
// compute a path the scanner did not, and must not open an env file as YAML.
type guardLoader struct {
	root   string
	parsed map[string]*Source
}

func (g guardLoader) Accept(string) bool { return true }

func (g guardLoader) Load(ctx context.Context, ref string) (string, error) {
	if isRemote(ref) || filepath.IsAbs(ref) {
		return "", fmt.Errorf("%q: %w", ref, ErrOutside)
	}
	base := g.root
	if current, ok := ctx.Value(consts.ComposeFileKey{}).(string); ok && current != "" {
		base = filepath.Dir(current)
	}
	full := filepath.Join(base, ref)
	rel, err := filepath.Rel(g.root, full)
	if err != nil || !Inside(filepath.ToSlash(rel)) {
		return "", fmt.Errorf("%q: %w", ref, ErrOutside)
	}
	if g.parsed[filepath.ToSlash(rel)] == nil {
		return "", fmt.Errorf("%q: composeguard did not check this file for this project", ref)
	}
	return full, nil
}

func (g guardLoader) Dir(p string) string {
	rel, err := filepath.Rel(g.root, filepath.Dir(p))
	if err != nil {
		return "."
	}
	return rel
}

func projectName(dir string) string {
	name := loader.NormalizeProjectName(path.Base(dir))
	if name == "" || name == "." {
		return "project"
	}
	return name
}

func (p *Project) firstPos() Position { return Position{File: p.Files[0], Line: 1, Column: 1} }

var (
	lineRe   = regexp.MustCompile(`line (\d+)`)
	pathRe   = regexp.MustCompile(`(?:^|[\s'"])((?:services|networks|volumes|secrets|configs)\.[A-Za-z0-9_.\-\[\]]+)`)
	svcRefRe = regexp.MustCompile(`service "?([A-Za-z0-9_.\-]+)"? `)
)

func lineOf(err error) int {
	if m := lineRe.FindStringSubmatch(err.Error()); m != nil {
		if n, _ := strconv.Atoi(m[1]); n > 0 {
			return n
		}
	}
	return 1
}

// errorPos places a compose-go error: at the line a YAML error names, else at
// the key path a schema error names, else at the service it names.
func (p *Project) errorPos(err error, root string) Position {
	msg := err.Error()
	file := p.Files[0]
	for f := range p.Sources {
		if strings.Contains(msg, filepath.Join(root, f)+":") {
			file = f
		}
	}
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Position{File: file, Line: n, Column: 1}
	}
	if m := addPropRe.FindStringSubmatch(msg); m != nil && !pathRe.MatchString(msg) {
		// unknown top-level keys: the first one written
		var first *Position
		for _, q := range quotedRe.FindAllStringSubmatch(m[1], -1) {
			if l, ok := p.LocateTop(q[1]); ok && l.Key != nil {
				if pos := l.Src.pos(l.Key); first == nil || pos.Line < first.Line {
					first = &pos
				}
			}
		}
		if first != nil {
			return *first
		}
	}
	if m := pathRe.FindStringSubmatch(msg); m != nil {
		keys := strings.Split(strings.TrimSuffix(m[1], "."), ".")
		for len(keys) > 0 {
			if l, ok := p.LocateTop(keys...); ok {
				return l.Pos
			}
			keys = keys[:len(keys)-1]
		}
	}
	if m := svcRefRe.FindStringSubmatch(msg); m != nil {
		return p.ServicePos(m[1])
	}
	return Position{File: file, Line: 1, Column: 1}
}

// cleanMessage removes the temporary root from an error so no server path is
// shown.
func cleanMessage(msg, root string) string {
	if root != "" {
		msg = strings.ReplaceAll(msg, root+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, root, ".")
	}
	return strings.ReplaceAll(msg, virtualRoot+"/", "")
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
