package bump

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// Reference is one place a compose file writes an image.
type Reference struct {
	File         string // the compose file
	Line, Column int    // of the image value
	// Services use the image; an x- block no service merges has none.
	Services []string
	Block    string // the x- extension block holding it, "" under services
	Text     string // the reference after interpolation: postgres:16.2-alpine
	Image    compose.ImageRef
	// Tag is where the tag's bytes are written: in File, in a ${VAR:-…}
	// default, or on a line of the project's .env.
	Tag Span
	// Digest is where the digest is written; zero when there is none.
	Digest Span
}

// Skipped is an image reference, or a file, that gets no update, and why.
type Skipped struct {
	File     string
	Line     int
	Services []string
	Image    string // as interpolated, "" when unknown
	Reason   string
	// Unknown means the registry could not answer: the image may well
	// have an update, so this must never be read as "up to date".
	Unknown bool
}

// Inventory is every image reference of a set of compose files.
type Inventory struct {
	References []Reference
	Skipped    []Skipped
}

// Extract finds the image references of files (repository-relative compose
// files, as the policy selects them): services.*.image and any image: inside
// a top-level x- block, with ${VAR} taken from ${VAR:-default} or the
// project's .env. Each main file is read with the overrides Compose loads
// beside it, so a build: in an override skips the service.
func Extract(snap compose.Snapshot, files []string) Inventory {
	var inv Inventory
	seen := map[string]bool{}
	for _, plan := range compose.Group(snap, files, nil).Plans {
		files := plan.Files
		if plan.Variant {
			files = files[len(files)-1:] // its main file is read in its own project
		}
		if !slices.ContainsFunc(files, func(f string) bool { return !seen[f] }) {
			continue
		}
		for _, f := range files {
			seen[f] = true
		}
		p := readProject(snap, files, &inv)
		inv.References = append(inv.References, p.references(&inv)...)
	}
	inv.separateSharedTags()
	slices.SortStableFunc(inv.Skipped, func(a, b Skipped) int {
		return cmpPlace(a.File, a.Line, b.File, b.Line)
	})
	return inv
}

// place is one image value node; several services can share it through an
// anchor or a merge key.
type place struct {
	file     string
	node     *yaml.Node
	services []string
	block    string
	builds   []string // services using it that have a build: section
}

type project struct {
	env    map[string]envValue
	lines  map[string]lines
	places []*place
	byNode map[*yaml.Node]*place
}

func readProject(snap compose.Snapshot, files []string, inv *Inventory) *project {
	p := &project{lines: map[string]lines{}, byNode: map[*yaml.Node]*place{}}
	envFile := path.Join(path.Dir(files[0]), ".env")
	if b, err := snap.ReadFile(envFile); err == nil {
		p.env = readEnv(envFile, b)
	}
	type doc struct {
		file string
		root *yaml.Node
	}
	var docs []doc
	builds := map[string]bool{}
	for _, f := range files {
		b, err := snap.ReadFile(f)
		if err == nil {
			var src *compose.Source
			if src, err = compose.ParseSource(f, b); err == nil {
				p.lines[f] = indexLines(b)
				for _, root := range src.Docs {
					docs = append(docs, doc{f, root})
					eachService(root, func(name string, svc *yaml.Node) {
						builds[name] = builds[name] || has(svc, "build")
					})
				}
				continue
			}
		}
		inv.Skipped = append(inv.Skipped, Skipped{File: f, Line: 1, Reason: "the file cannot be read: " + err.Error()})
	}
	for _, d := range docs {
		compose.Mapping(d.root, func(k, v *yaml.Node) {
			if strings.HasPrefix(k.Value, "x-") {
				p.blockImages(d.file, k.Value, v, 0)
			}
		})
		eachService(d.root, func(name string, svc *yaml.Node) {
			compose.Mapping(svc, func(k, v *yaml.Node) {
				if k.Value != "image" || !isString(v) {
					return
				}
				pl := p.at(d.file, v)
				pl.services = append(pl.services, name)
				if builds[name] {
					pl.builds = append(pl.builds, name)
				}
			})
		})
	}
	return p
}

// blockImages records every image: key inside an x- block, at any depth;
// an image beside a build: there is a build's output too.
func (p *project) blockImages(file, block string, n *yaml.Node, depth int) {
	n = compose.Resolve(n)
	if n == nil || depth > 16 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		compose.Mapping(n, func(k, v *yaml.Node) {
			if k.Value == "image" && isString(v) {
				pl := p.at(file, v)
				pl.block = block
				if has(n, "build") {
					pl.builds = append(pl.builds, block)
				}
				return
			}
			p.blockImages(file, block, v, depth+1)
		})
	case yaml.SequenceNode:
		for _, c := range n.Content {
			p.blockImages(file, block, c, depth+1)
		}
	}
}

// at returns the place of an image value, shared by every key that reaches
// the same node.
func (p *project) at(file string, v *yaml.Node) *place {
	v = compose.Resolve(v)
	if pl := p.byNode[v]; pl != nil {
		return pl
	}
	pl := &place{file: file, node: v}
	p.byNode[v] = pl
	p.places = append(p.places, pl)
	return pl
}

func (p *project) references(inv *Inventory) []Reference {
	var refs []Reference
	for _, pl := range p.places {
		ref, err := p.reference(pl)
		if err != nil {
			inv.Skipped = append(inv.Skipped, skipAll([]Reference{ref}, err.Error(), false)...)
			continue
		}
		refs = append(refs, ref)
	}
	return refs
}

func (p *project) reference(pl *place) (Reference, error) {
	v := pl.node
	ref := Reference{File: pl.file, Line: v.Line, Column: v.Column, Services: slices.Clone(pl.services), Block: pl.block}
	slices.Sort(ref.Services)
	l := p.lines[pl.file]
	start, verbatim := l.scalarText(v)
	segments, err := expand(v.Value, origin{file: pl.file, start: start, line: v.Line, verbatim: verbatim}, p.env)
	if err != nil {
		ref.Text = v.Value
		return ref, err
	}
	ref.Text = join(segments)
	if len(pl.builds) > 0 {
		return ref, fmt.Errorf("built locally (%s has build: and image:); the image is the build's output", strings.Join(pl.builds, ", "))
	}
	if ref.Image, err = compose.ParseImage(ref.Text); err != nil {
		return ref, fmt.Errorf("not an image reference: %v", err)
	}
	if ref.Image.Tag == "" {
		if ref.Image.Digest != "" {
			return ref, errors.New("pinned by digest only: no tag says which version to follow")
		}
		return ref, errors.New("no tag, so Compose pulls latest: write the version you run (name:1.2.3) to have it updated")
	}
	tagEnd := len(ref.Text)
	if ref.Image.Digest != "" {
		tagEnd -= len(ref.Image.Digest) + 1
		if ref.Digest, verbatim = locate(segments, tagEnd+1, len(ref.Text)); !verbatim {
			return ref, errors.New("the digest is not written as one run of text composeguard can edit in place")
		}
	}
	if ref.Tag, verbatim = locate(segments, tagEnd-len(ref.Image.Tag), tagEnd); !verbatim {
		return ref, errors.New("the tag is not written as one run of text composeguard can edit in place (escapes, a block scalar, or text and variables mixed)")
	}
	return ref, nil
}

// eachService calls fn for every service mapping of a compose document.
func eachService(root *yaml.Node, fn func(name string, svc *yaml.Node)) {
	compose.Mapping(root, func(k, v *yaml.Node) {
		if k.Value != "services" {
			return
		}
		compose.Mapping(v, func(name, svc *yaml.Node) {
			if svc = compose.Resolve(svc); svc != nil && svc.Kind == yaml.MappingNode {
				fn(name.Value, svc)
			}
		})
	})
}

// isString reports an image value worth reading: an override's !reset or a
// null removes the image rather than naming one.
func isString(v *yaml.Node) bool {
	v = compose.Resolve(v)
	return v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" && v.Tag != "!reset"
}

// has reports whether a mapping has key, merge keys included.
func has(m *yaml.Node, key string) bool {
	found := false
	compose.Mapping(m, func(k, v *yaml.Node) {
		found = found || k.Value == key && compose.Resolve(v) != nil && compose.Resolve(v).Tag != "!reset"
	})
	return found
}

func cmpPlace(fileA string, lineA int, fileB string, lineB int) int {
	if c := strings.Compare(fileA, fileB); c != 0 {
		return c
	}
	return lineA - lineB
}

// separateSharedTags skips references whose tag is written in a place that
// also sets another image's tag (one .env variable for app and worker
// images): moving one would move the other to a version it may not have.
func (inv *Inventory) separateSharedTags() {
	images := map[Span]map[string]bool{}
	for _, r := range inv.References {
		key := Span{File: r.Tag.File, Start: r.Tag.Start}
		if images[key] == nil {
			images[key] = map[string]bool{}
		}
		images[key][r.Image.Name()] = true
	}
	kept := inv.References[:0]
	for _, r := range inv.References {
		if others := images[Span{File: r.Tag.File, Start: r.Tag.Start}]; len(others) > 1 {
			names := slices.Sorted(maps.Keys(others))
			reason := fmt.Sprintf("its tag, at %s:%d, is shared by %s; composeguard does not move several images with one edit", r.Tag.File, r.Tag.Line, strings.Join(names, ", "))
			inv.Skipped = append(inv.Skipped, skipAll([]Reference{r}, reason, false)...)
			continue
		}
		kept = append(kept, r)
	}
	inv.References = kept
}
