package compose

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// stripExtensions blanks the lines of top-level x-* blocks that define no
// anchor before compose-go sees a file. Compose ignores them, but compose-go
// interpolates and transforms every leaf, which made large app-store metadata
// blocks most of the load time. Line numbers stay as they were.
func stripExtensions(src *Source) []byte {
	if len(src.Docs) != 1 || src.Docs[0].Style&yaml.FlowStyle != 0 {
		return src.Content
	}
	d := src.Docs[0]
	lines := bytes.Count(src.Content, []byte("\n")) + 1
	blank := map[int]bool{}
	for i := 0; i+1 < len(d.Content); i += 2 {
		k := d.Content[i]
		if !strings.HasPrefix(k.Value, "x-") || k.Column != 1 || hasAnchor(d.Content[i+1], 0) {
			continue
		}
		end := lines
		if i+2 < len(d.Content) {
			end = d.Content[i+2].Line - 1
		}
		if end < k.Line {
			continue
		}
		for l := k.Line; l <= end; l++ {
			blank[l] = true
		}
	}
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
