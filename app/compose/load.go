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
		l.scan(p.Sources[f])
	}
	p.layers = append(l.included, files...)
	if len(p.Problems) > 0 && p.hasInvalid() {
		return p
	}
	p.Model = p.runLoader(ctx, snap, l)
	return p
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
		p.invalid(Position{File: f, Line: lineOf(err), Column: 1}, "invalid YAML: %s", cleanMessage(err.Error(), ""))
		return nil
	}
	for _, d := range src.Docs {
		if d.Kind != yaml.MappingNode {
			p.invalid(src.pos(d), "%s is not a compose file: its top level is not a mapping", f)
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

// refScanner walks include, extends and env_file references before loading:
// references that leave the snapshot become findings and are cut from the
// files handed to compose-go; the rest are parsed too.
type refScanner struct {
	p        *Project
	snap     Snapshot
	seen     map[string]bool
	included []string // files brought in by include, weakest first
	cut      map[string]bool
	needFS   bool     // an include or extends.file must be read by compose-go
	extra    []string // other snapshot files compose-go may read (env files of includes)
}

func (l *refScanner) outside(src *Source, n *yaml.Node, what, ref string) {
	l.p.Problems = append(l.p.Problems, Problem{Rule: RuleOutside, Pos: src.pos(n),
		Message: fmt.Sprintf("%s %q points outside the repository; composeguard does not read it", what, ref)})
}

func (l *refScanner) resolve(src *Source, n *yaml.Node) (string, bool) {
	ref := l.p.Interpolate(n.Value)
	p, err := ResolveRef(path.Dir(src.Path), ref)
	return p, err == nil
}

func (l *refScanner) scan(src *Source) {
	if src == nil || l.seen[src.Path] || len(l.seen) > 64 {
		return
	}
	l.seen[src.Path] = true
	for _, d := range src.Docs {
		l.scanIncludes(src, d)
		_, services := lookup(d, "services")
		Mapping(services, func(_, sv *yaml.Node) {
			l.scanService(src, sv)
		})
	}
}

func (l *refScanner) scanIncludes(src *Source, d *yaml.Node) {
	_, inc := lookup(d, "include")
	inc = resolve(inc)
	if inc == nil || inc.Kind != yaml.SequenceNode {
		return
	}
	kept := inc.Content[:0:0]
	for _, item := range inc.Content {
		item = resolve(item)
		var paths, envs []*yaml.Node
		if item.Kind == yaml.ScalarNode {
			paths = []*yaml.Node{item}
		} else {
			_, pn := lookup(item, "path")
			paths = scalars(pn)
			_, en := lookup(item, "env_file")
			envs = scalars(en)
			if _, pd := lookup(item, "project_directory"); pd != nil {
				envs = append(envs, pd)
			}
		}
		ok := true
		var targets []string
		for _, n := range append(paths, envs...) {
			t, safe := l.resolve(src, n)
			if !safe {
				l.outside(src, n, "include", n.Value)
				ok = false
			}
			targets = append(targets, t)
		}
		if !ok {
			l.markCut(src)
			continue
		}
		kept = append(kept, item)
		l.needFS = true
		for i, t := range targets {
			if i < len(paths) {
				if inc := l.p.parse(l.snap, t, src.pos(paths[i])); inc != nil {
					l.scan(inc)
					l.included = append(l.included, t)
					l.extra = append(l.extra, path.Join(path.Dir(t), ".env"))
				}
			} else {
				l.extra = append(l.extra, t)
			}
		}
	}
	if len(kept) != len(inc.Content) {
		inc.Content = kept
	}
}

func (l *refScanner) scanService(src *Source, sv *yaml.Node) {
	for _, key := range []string{"env_file", "label_file"} {
		_, n := lookup(sv, key)
		for _, f := range scalars(n) {
			if _, ok := l.resolve(src, f); !ok {
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
	if file == nil {
		return
	}
	t, ok := l.resolve(src, file)
	if !ok {
		l.outside(src, file, "extends file", file.Value)
		removeKey(sv, "extends")
		l.markCut(src)
		return
	}
	l.needFS = true
	if base := l.p.parse(l.snap, t, src.pos(file)); base != nil {
		l.scan(base)
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
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i:i], m.Content[i+2:]...)
			return
		}
	}
}

// content is what compose-go receives for a file: the original bytes, or a
// re-encoding when a reference had to be cut from it.
func (l *refScanner) content(src *Source) []byte {
	if !l.cut[src.Path] {
		return stripExtensions(src)
	}
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
			Filename: filepath.Join(root, f), Content: l.content(p.Sources[f]),
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
		o.ResourceLoaders = []loader.ResourceLoader{guardLoader{root: root}}
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
	for f, src := range p.Sources {
		if err := write(f, l.content(src)); err != nil {
			return dir, err
		}
	}
	for _, f := range append(l.extra, path.Join(p.Dir, ".env")) {
		if b, err := snap.ReadFile(f); err == nil {
			if err := write(f, b); err != nil {
				return dir, err
			}
		}
	}
	return dir, nil
}

// guardLoader is the first resource loader compose-go asks: it accepts every
// reference and maps it into the materialized snapshot, refusing what leaves
// it, so compose-go's own loader, which reads any host path, is never used.
type guardLoader struct{ root string }

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
	if rel, err := filepath.Rel(g.root, full); err != nil || !Inside(filepath.ToSlash(rel)) {
		return "", fmt.Errorf("%q: %w", ref, ErrOutside)
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
