package compose

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// stripExtensions blanks the lines of x-* blocks, top-level and inside
// services, that define no anchor before compose-go sees a file. Compose
// ignores them, but compose-go interpolates and transforms every leaf, which
// made large app-store metadata blocks most of the load time. Line numbers
// stay as they were.
func stripExtensions(src *Source) []byte {
	if len(src.Docs) != 1 || src.Docs[0].Style&yaml.FlowStyle != 0 {
		return src.Content
	}
	lines := bytes.Count(src.Content, []byte("\n")) + 1
	blank := map[int]bool{}
	doc := src.Docs[0]
	eachKey(doc, lines, func(k, v *yaml.Node, end int) {
		if strings.HasPrefix(k.Value, "x-") {
			blankSpan(blank, k, v, end)
			return
		}
		if k.Value != "services" || v.Kind != yaml.MappingNode || v.Style&yaml.FlowStyle != 0 {
			return
		}
		eachKey(v, end, func(_, service *yaml.Node, serviceEnd int) {
			if service.Kind != yaml.MappingNode || service.Style&yaml.FlowStyle != 0 {
				return
			}
			eachKey(service, serviceEnd, func(k, v *yaml.Node, end int) {
				if strings.HasPrefix(k.Value, "x-") {
					blankSpan(blank, k, v, end)
				}
			})
		})
	})
	if len(blank) == 0 {
		return src.Content
	}
	out := make([]byte, 0, len(src.Content))
	line := 1
	for _, chunk := range bytes.SplitAfter(src.Content, []byte("\n")) {
		if blank[line] {
			if bytes.HasSuffix(chunk, []byte("\n")) {
				out = append(out, '\n')
			}
		} else {
			out = append(out, chunk...)
		}
		line++
	}
	return out
}

// eachKey calls fn for each key of a block mapping with the last line its
// value may span: the line before the next key, or end.
func eachKey(m *yaml.Node, end int, fn func(k, v *yaml.Node, end int)) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		last := end
		if i+2 < len(m.Content) {
			last = m.Content[i+2].Line - 1
		}
		fn(m.Content[i], m.Content[i+1], last)
	}
}

func blankSpan(blank map[int]bool, k, v *yaml.Node, end int) {
	if end < k.Line || hasAnchor(v, 0) || k.Kind != yaml.ScalarNode {
		return
	}
	for l := k.Line; l <= end; l++ {
		blank[l] = true
	}
}

func hasAnchor(n *yaml.Node, depth int) bool {
	if n == nil || depth > 64 {
		return depth > 64
	}
	if n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAnchor(c, depth+1) {
			return true
		}
	}
	return false
}
