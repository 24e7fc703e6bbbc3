package compose

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

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
				k := Resolve(n.Content[i])
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

var (
	lineRe   = regexp.MustCompile(`line (\d+)`)
	pathRe   = regexp.MustCompile(`(?:^|[\s'"])((?:services|networks|volumes|secrets|configs)\.[A-Za-z0-9_.\-\[\]]+)`)
	svcRefRe = regexp.MustCompile(`service "?([A-Za-z0-9_.\-]+)"? `)
	// indexedRe is a key path written with the name in brackets.
	indexedRe = regexp.MustCompile(`\b(services|networks|volumes|secrets|configs)\[([A-Za-z0-9_.\-]+)\]`)
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
	msg := indexedRe.ReplaceAllString(err.Error(), "$1.$2") // services[app].shm_size

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
	if pos, ok := p.valueIn(msg); ok {
		return pos
	}
	return Position{File: file, Line: 1, Column: 1}
}

// valueIn places an error that quotes a value but names no key, such as
// "invalid IP address: 1:2" from a port: at the first scalar of a service,
// as written or interpolated, that contains one of the message's parts.
func (p *Project) valueIn(msg string) (Position, bool) {
	parts := strings.Split(msg, ": ")
	for i := len(parts) - 1; i > 0; i-- {
		part := strings.Trim(parts[i], " '\"")
		if len(part) < 2 || strings.Contains(part, " ") {
			continue // prose, not a value
		}
		for _, f := range p.layers {
			src := p.Sources[f]
			for _, d := range src.Docs {
				_, services := lookup(d, "services")
				if n := findScalar(services, func(n *yaml.Node) bool {
					return strings.Contains(n.Value, part) || strings.Contains(p.Interpolate(n.Value), part)
				}, 0); n != nil {
					return src.pos(n), true
				}
			}
		}
	}
	return Position{}, false
}

// findScalar walks a node tree, aliases not followed, for the first scalar
// match accepts.
func findScalar(n *yaml.Node, match func(*yaml.Node) bool, depth int) *yaml.Node {
	if n == nil || depth > MaxDepth {
		return nil
	}
	if n.Kind == yaml.ScalarNode && match(n) {
		return n
	}
	for _, c := range n.Content {
		if found := findScalar(c, match, depth+1); found != nil {
			return found
		}
	}
	return nil
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
