package compose

import (
	"bytes"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Position is a 1-based place in a repository file.
type Position struct {
	File   string
	Line   int
	Column int
}

// Source is one parsed YAML file. Aliases are kept as alias nodes, so even an
// alias bomb costs only its own size here.
type Source struct {
	Path    string
	Content []byte
	Docs    []*yaml.Node // the top-level mapping of each document
}

// ParseSource parses every document of a YAML file into nodes. A syntax
// error comes back with the line yaml.v3 reports.
func ParseSource(p string, content []byte) (*Source, error) {
	s := &Source{Path: p, Content: content}
	dec := yaml.NewDecoder(bytes.NewReader(content))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err != nil {
			if err.Error() == "EOF" {
				return s, nil
			}
			return s, err
		}
		if len(doc.Content) == 1 {
			s.Docs = append(s.Docs, doc.Content[0])
		}
	}
}

// Line returns line n (1-based) of the file without its end of line.
func (s *Source) Line(n int) string {
	if n < 1 {
		return ""
	}
	rest := s.Content
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(rest, '\n')
		if j < 0 {
			return ""
		}
		rest = rest[j+1:]
	}
	if j := bytes.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	return strings.TrimSuffix(string(rest), "\r")
}

func (s *Source) pos(n *yaml.Node) Position {
	return Position{File: s.Path, Line: n.Line, Column: n.Column}
}

// Resolve follows an alias to its anchor, through at most 32 aliases.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 32; i++ {
		n = n.Alias
	}
	return n
}

// lookup finds key in a mapping, then in the mappings its `<<` merge keys
// bring in (first wins, as in YAML). It returns the key and value nodes.
// A key written as an alias (*k: …) counts under the anchor's text, as it
// does for Compose, and each mapping is searched once however often merges
// reach it, so a merge bomb costs only its own size.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	return lookupDepth(m, key, 0, map[*yaml.Node]bool{})
}

func lookupDepth(m *yaml.Node, key string, depth int, visited map[*yaml.Node]bool) (k, v *yaml.Node) {
	m = Resolve(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > 16 || visited[m] {
		return nil, nil
	}
	visited[m] = true
	for i := 0; i+1 < len(m.Content); i += 2 {
		if kn := Resolve(m.Content[i]); kn != nil && kn.Value == key && !isMergeKey(m.Content[i]) {
			return m.Content[i], m.Content[i+1]
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMergeKey(m.Content[i]) {
			continue
		}
		merged := Resolve(m.Content[i+1])
		if merged == nil {
			continue
		}
		sources := []*yaml.Node{merged}
		if merged.Kind == yaml.SequenceNode {
			sources = merged.Content
		}
		for _, src := range sources {
			if k, v := lookupDepth(src, key, depth+1, visited); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// isMergeKey reports whether a mapping key is `<<`, written plainly, tagged
// !!merge or through an alias.
func isMergeKey(k *yaml.Node) bool {
	if k = Resolve(k); k == nil || k.Kind != yaml.ScalarNode {
		return false
	}
	return k.Tag == "!!merge" || k.Value == "<<"
}

// child steps one key into a mapping, or one index into a sequence.
func child(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = Resolve(n)
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.SequenceNode {
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(n.Content) {
			return nil, nil
		}
		return n.Content[i], n.Content[i]
	}
	return lookup(n, key)
}

// Mapping iterates a mapping's key and value nodes, merge keys included
// (keys written in the mapping itself win over merged ones). Keys written as
// aliases are passed as the anchor's node; each mapping is walked once.
func Mapping(m *yaml.Node, fn func(k, v *yaml.Node)) {
	seen := map[string]bool{}
	visited := map[*yaml.Node]bool{}
	var walk func(m *yaml.Node, depth int)
	walk = func(m *yaml.Node, depth int) {
		m = Resolve(m)
		if m == nil || m.Kind != yaml.MappingNode || depth > 16 || visited[m] {
			return
		}
		visited[m] = true
		var merges []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			if isMergeKey(m.Content[i]) {
				merges = append(merges, m.Content[i+1])
				continue
			}
			k := Resolve(m.Content[i])
			if k != nil && !seen[k.Value] {
				seen[k.Value] = true
				fn(k, m.Content[i+1])
			}
		}
		for _, mv := range merges {
			mv = Resolve(mv)
			if mv != nil && mv.Kind == yaml.SequenceNode {
				for _, s := range mv.Content {
					walk(s, depth+1)
				}
			} else {
				walk(mv, depth+1)
			}
		}
	}
	walk(m, 0)
}

// Service returns the key and value nodes of services.<name> in the first
// document of the file that defines it, nil when the file does not.
func (s *Source) Service(name string) (k, v *yaml.Node) {
	for _, d := range s.Docs {
		if k, v := findService(d, name); k != nil {
			return k, v
		}
	}
	return nil, nil
}

// findService returns the key and mapping of services.<name> in document d.
func findService(d *yaml.Node, name string) (k, v *yaml.Node) {
	_, services := lookup(d, "services")
	if services == nil {
		return nil, nil
	}
	return lookup(services, name)
}
