package compose

import (
	"path"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// Problem is something wrong with the files themselves, found while loading.
type Problem struct {
	Rule    string // "compose-invalid", "compose-incomplete" or "path-outside-repository"
	Pos     Position
	Message string
	Service string // the service it is about, "" for the file
}

// Project is one compose project: a main file, its overrides, and everything
// they include or extend, loaded as Docker Compose would load it.
type Project struct {
	Dir   string   // repository-relative project directory ("." for the root)
	Files []string // the main file, then its override files
	// Model is compose-go's view of the project, nil when it failed to load.
	Model *types.Project
	// Env holds the project .env; variables not in it are unknown.
	Env     map[string]string
	Sources map[string]*Source
	// Reads lists the other snapshot files the project reads, as the
	// references are scanned before loading: its services' env_file and
	// label_file, and the env files of its includes. Paths that leave the
	// repository are not among them.
	Reads []string
	// Snapshot is the repository the project was loaded from, for rules that
	// look at files beside it (.env, .env.example).
	Snapshot Snapshot
	Problems []Problem
	// layers lists the files whose services merge into the model, the
	// weakest first: included files, then Files in order.
	layers []string
}

// Located is a key found in a source file.
type Located struct {
	Pos   Position
	Key   *yaml.Node // nil for a sequence item
	Value *yaml.Node // alias already followed
	Src   *Source
}

// Reset reports whether an override removed the value with !reset.
func (l Located) Reset() bool { return l.Value != nil && l.Value.Tag == "!reset" }

// ServicePos is the line that names the service in the first file defining it.
func (p *Project) ServicePos(service string) Position {
	for _, f := range p.layers {
		src := p.Sources[f]
		for _, d := range src.Docs {
			if k, _ := findService(d, service); k != nil {
				return src.pos(k)
			}
		}
	}
	if len(p.Files) > 0 {
		return Position{File: p.Files[0], Line: 1, Column: 1}
	}
	return Position{Line: 1, Column: 1}
}

// Locate finds where the value at a service's key path was written: the last
// override that sets it, else the main file, following merge keys to their
// anchors and `extends` to the base service. The position is the value's for
// a scalar and the key's for a mapping or sequence.
func (p *Project) Locate(service string, keys ...string) (Located, bool) {
	all := p.LocateAll(service, keys...)
	if len(all) == 0 {
		return Located{}, false
	}
	return all[0], true
}

// Where is Locate's position, or the service's line when the key is absent.
func (p *Project) Where(service string, keys ...string) Position {
	if l, ok := p.Locate(service, keys...); ok {
		return l.Pos
	}
	return p.ServicePos(service)
}

// LocateAll returns every place that writes the key path for the service,
// strongest first. Sequences such as ports or security_opt are appended
// across overrides, so a rule may need all of them.
// A !reset or !override ends the list: weaker files no longer contribute.
func (p *Project) LocateAll(service string, keys ...string) []Located {
	var out []Located
	for i := len(p.layers) - 1; i >= 0; i-- {
		src := p.Sources[p.layers[i]]
		for d := len(src.Docs) - 1; d >= 0; d-- {
			out = p.locateIn(out, src, src.Docs[d], service, keys, 0)
			if n := len(out); n > 0 && (out[n-1].Reset() || out[n-1].Value.Tag == "!override") {
				return out
			}
		}
	}
	return out
}

func (p *Project) locateIn(out []Located, src *Source, doc *yaml.Node, service string, keys []string, depth int) []Located {
	_, sv := findService(doc, service)
	if sv == nil || depth > 8 {
		return out
	}
	if l, ok := walk(src, sv, keys); ok {
		out = append(out, l)
		if l.Reset() || (l.Value != nil && l.Value.Tag == "!override") {
			return out
		}
	}
	_, ext := lookup(sv, "extends")
	ext = Resolve(ext)
	if ext == nil {
		return out
	}
	base, file := ext.Value, ""
	if ext.Kind == yaml.MappingNode {
		if _, s := lookup(ext, "service"); s != nil {
			base = s.Value
		}
		if _, f := lookup(ext, "file"); f != nil {
			file = f.Value
		}
	}
	if base == "" {
		return out
	}
	if file == "" {
		return p.locateIn(out, src, doc, base, keys, depth+1)
	}
	ref, err := ResolveRef(path.Dir(src.Path), file)
	if err != nil || p.Sources[ref] == nil {
		return out
	}
	for _, d := range p.Sources[ref].Docs {
		out = p.locateIn(out, p.Sources[ref], d, base, keys, depth+1)
	}
	return out
}

// walk follows keys from node n inside src.
func walk(src *Source, n *yaml.Node, keys []string) (Located, bool) {
	var k, v *yaml.Node
	v = n
	for i, key := range keys {
		k, v = child(v, key)
		if v == nil {
			return Located{}, false
		}
		// `deploy: !reset {}` removes deploy.resources.limits too.
		if r := Resolve(v); i < len(keys)-1 && r != nil && r.Tag == "!reset" {
			pos := src.pos(r)
			if k != nil && k != v {
				pos = src.pos(k)
			}
			return Located{Pos: pos, Key: k, Value: r, Src: src}, true
		}
	}
	l := Located{Key: k, Value: Resolve(v), Src: src}
	switch {
	case l.Value == nil:
		return Located{}, false
	case l.Value.Kind == yaml.ScalarNode || k == nil || k == v:
		l.Pos = src.pos(l.Value)
	default:
		l.Pos = src.pos(k)
	}
	if k == v {
		l.Key = nil
	}
	return l, true
}

// Items returns each item of the sequence at a service's key path, from
// every file that contributes to it.
func (p *Project) Items(service string, keys ...string) []Located {
	var out []Located
	for _, l := range p.LocateAll(service, keys...) {
		if l.Value.Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range l.Value.Content {
			r := Resolve(item)
			if r == nil {
				continue
			}
			out = append(out, Located{Pos: l.Src.pos(r), Value: r, Src: l.Src})
		}
	}
	return out
}

// FindItem returns the first item of the sequence at a service's key path
// that match accepts, else the key's position, else the service's line.
func (p *Project) FindItem(service string, match func(n *yaml.Node) bool, keys ...string) Position {
	for _, it := range p.Items(service, keys...) {
		if match(it.Value) {
			return it.Pos
		}
	}
	return p.Where(service, keys...)
}

// LocateTop finds a top-level key path (networks.proxy.external) in the
// strongest file that writes it.
func (p *Project) LocateTop(keys ...string) (Located, bool) {
	for i := len(p.layers) - 1; i >= 0; i-- {
		src := p.Sources[p.layers[i]]
		for d := len(src.Docs) - 1; d >= 0; d-- {
			if l, ok := walk(src, src.Docs[d], keys); ok {
				return l, true
			}
		}
	}
	return Located{}, false
}

// Line returns the text of a line of a source file.
func (p *Project) Line(pos Position) string {
	if src := p.Sources[pos.File]; src != nil {
		return src.Line(pos.Line)
	}
	return ""
}

// Unknown lists the variables a node's text uses that have neither a value
// in the project .env nor a default: a rule whose verdict depends on them
// cannot tell.
func (p *Project) Unknown(n *yaml.Node) []string {
	var out []string
	p.unknownIn(n, map[*yaml.Node]bool{}, func(name string) { out = append(out, name) })
	return out
}

// unknownIn calls fn once for each unknown variable under n. An anchor is
// read once however many aliases point at it, so an alias bomb is never
// expanded; callers share visited across nodes to read each anchor once.
func (p *Project) unknownIn(n *yaml.Node, visited map[*yaml.Node]bool, fn func(name string)) {
	seen := map[string]bool{}
	var visit func(n *yaml.Node, depth int)
	visit = func(n *yaml.Node, depth int) {
		n = Resolve(n)
		if n == nil || depth > 32 || visited[n] {
			return
		}
		visited[n] = true
		if n.Kind == yaml.ScalarNode {
			for _, ref := range Variables(n.Value) {
				if _, ok := p.Env[ref.Name]; !ok && !ref.HasDefault() && !seen[ref.Name] {
					seen[ref.Name] = true
					fn(ref.Name)
				}
			}
			return
		}
		for _, c := range n.Content {
			visit(c, depth+1)
		}
	}
	visit(n, 0)
}

// Interpolate substitutes the project's variables in s; unknown ones become
// empty, as Compose does.
func (p *Project) Interpolate(s string) string { return interpolateWith(p.Env, s) }
