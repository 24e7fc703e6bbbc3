package compose

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/consts"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

const (
	RuleInvalid = "compose-invalid"
	RuleOutside = "path-outside-repository"
	// RuleIncomplete marks a file that cannot stand on its own: another
	// file or the platform supplies part of it (incomplete.go).
	RuleIncomplete = "compose-incomplete"
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
	model, err := p.compose(ctx, details, l, root, true)
	if err != nil {
		return p.standIns(ctx, details, l, root, err)
	}
	if p.fragment() {
		p.reportFragment()
	}
	return model
}

// compose runs compose-go; consistent asks for its consistency checks
// (every network, volume, secret, config and service a service names is
// declared, every service has an image or a build…).
func (p *Project) compose(ctx context.Context, details types.ConfigDetails, l *refScanner, root string, consistent bool) (*types.Project, error) {
	return loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		// The directory names the project unless the file sets name: or
		// .env sets COMPOSE_PROJECT_NAME, as in Compose.
		o.SetProjectName(projectName(p.Dir), false)
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
		o.ResolvePaths = false
		o.SkipInclude = !l.needFS
		o.SkipConsistencyCheck = !consistent
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
