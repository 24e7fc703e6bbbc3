package fix

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

var bom = []byte("\xef\xbb\xbf")

// file is one source file being fixed: its lines (no line endings, no byte
// order mark) and how it is written.
type file struct {
	src   *compose.Source
	lines []string
	style style
}

func (x *Fixer) file(path string) *file {
	if f, ok := x.files[path]; ok {
		return f
	}
	src := x.project.Sources[path]
	var f *file
	if src != nil && x.project.Model != nil {
		f = &file{src: src, lines: splitLines(src.Content)}
		f.style = detectStyle(src)
	}
	x.files[path] = f
	return f
}

// splitLines returns a file's lines without their endings or the byte
// order mark.
func splitLines(b []byte) []string {
	b = bytes.TrimPrefix(b, bom)
	s := strings.Split(string(b), "\n")
	if len(s) > 0 && s[len(s)-1] == "" {
		s = s[:len(s)-1]
	}
	for i := range s {
		s[i] = strings.TrimSuffix(s[i], "\r")
	}
	return s
}

// line returns line n (1-based), "" past the end.
func (f *file) line(n int) string {
	if n < 1 || n > len(f.lines) {
		return ""
	}
	return f.lines[n-1]
}

// hunk replaces lines [start, end] of the original file with lines; end ==
// start-1 inserts them before start.
type hunk struct {
	start, end int
	lines      []string
	by         []checks.Finding // the findings it fixes
}

func insertAfter(line int, lines []string) hunk {
	return hunk{start: line + 1, end: line, lines: lines}
}
func replace(line int, text string) hunk { return hunk{start: line, end: line, lines: []string{text}} }

// span is the lines a hunk shows in an edit: an insertion shows the line it
// goes after.
func (h hunk) span() (lo, hi int) {
	if h.end >= h.start {
		return h.start, h.end
	}
	if h.start == 1 {
		return 1, 1
	}
	return h.start - 1, h.start - 1
}

// sortHunks orders hunks by place, insertions before the line they precede
// ahead of a replacement of that line; insertions at one place keep their
// order.
func sortHunks(hs []hunk) {
	sort.SliceStable(hs, func(i, j int) bool {
		if hs[i].start != hs[j].start {
			return hs[i].start < hs[j].start
		}
		return hs[i].end < hs[j].end
	})
}

// edit renders hunks as one contiguous edit.
func (f *file) edit(hs []hunk) Edit {
	sortHunks(hs)
	lo, hi := hs[0].span()
	for _, h := range hs[1:] {
		a, b := h.span()
		lo, hi = min(lo, a), max(hi, b)
	}
	var out []string
	i := lo
	for _, h := range hs {
		for ; i < h.start && i <= hi; i++ {
			out = append(out, f.line(i))
		}
		out = append(out, h.lines...)
		if h.end >= h.start {
			i = h.end + 1
		}
	}
	for ; i <= hi; i++ {
		out = append(out, f.line(i))
	}
	return Edit{File: f.src.Path, StartLine: lo, EndLine: hi, Text: strings.Join(out, "\n")}
}

// clusters renders hunks as edits, one per run of hunks whose lines touch,
// each naming the findings it fixes.
func (f *file) clusters(hs []hunk, all []checks.Finding) []Edit {
	if len(hs) == 0 {
		return nil
	}
	sortHunks(hs)
	var edits []Edit
	group := []hunk{hs[0]}
	_, hi := hs[0].span()
	flush := func() {
		e := f.edit(group)
		e.Fixes = fixedBy(group, all)
		edits = append(edits, e)
	}
	for _, h := range hs[1:] {
		a, b := h.span()
		if a > hi {
			flush()
			group = nil
		}
		group = append(group, h)
		hi = max(hi, b)
	}
	flush()
	return edits
}

// fixedBy lists, in the order of all, the findings the hunks were made for.
func fixedBy(hs []hunk, all []checks.Finding) []checks.Finding {
	var out []checks.Finding
	for _, f := range all {
		for _, h := range hs {
			if containsFinding(h.by, f) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func containsFinding(list []checks.Finding, f checks.Finding) bool {
	for _, g := range list {
		if sameFinding(g, f) {
			return true
		}
	}
	return false
}

func sameFinding(a, b checks.Finding) bool {
	return a.Rule == b.Rule && a.Pos == b.Pos && a.Service == b.Service && a.KeyPath == b.KeyPath && a.Message == b.Message
}

// Apply applies edits of one file to its content. Lines outside the edits
// stay byte for byte; new lines take the line ending of the line they
// replace (the file's first one for a removed last line), and a byte order
// mark stays. Edits must not overlap.
func Apply(content []byte, edits ...Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].StartLine < sorted[j].StartLine })
	hasBOM := bytes.HasPrefix(content, bom)
	body := bytes.TrimPrefix(content, bom)
	lines := bytes.SplitAfter(body, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	eol := "\n"
	if len(lines) > 0 && bytes.HasSuffix(lines[0], []byte("\r\n")) {
		eol = "\r\n"
	}
	var out bytes.Buffer
	if hasBOM {
		out.Write(bom)
	}
	next := 1
	for _, e := range sorted {
		if e.StartLine < next || e.EndLine < e.StartLine || e.EndLine > len(lines) {
			return nil, fmt.Errorf("%s: edit of lines %d-%d does not fit a file of %d lines or overlaps another", e.File, e.StartLine, e.EndLine, len(lines))
		}
		for ; next < e.StartLine; next++ {
			out.Write(lines[next-1])
		}
		last := lines[e.EndLine-1]
		end := eol
		switch {
		case bytes.HasSuffix(last, []byte("\r\n")):
			end = "\r\n"
		case bytes.HasSuffix(last, []byte("\n")):
			end = "\n"
		case e.EndLine == len(lines):
			end = "" // the file ends without a newline, and still will
		}
		if e.Text != "" {
			sep := end
			if sep == "" {
				sep = eol
			}
			out.WriteString(strings.ReplaceAll(e.Text, "\n", sep) + end)
		}
		next = e.EndLine + 1
	}
	for ; next <= len(lines); next++ {
		out.Write(lines[next-1])
	}
	return out.Bytes(), nil
}
