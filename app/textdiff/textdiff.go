// Package textdiff computes line diffs of text as git prints them: a
// shortest edit script (Myers' algorithm), three lines of context, and
// hunks merged where their context would touch. `composeguard harden`
// prints its changes with it, and the fake forges compute pull request
// diffs with it.
package textdiff

import (
	"fmt"
	"slices"
	"strings"
)

// diffContext is git's default number of unchanged lines around a change.
const diffContext = 3

// Line is one line of a diff: Op is ' ' kept, '-' removed or '+' added;
// Old and New are its line numbers on each side (0 where it has none).
type Line struct {
	Op       byte
	Text     string // with its "\n", unless it is a last line without one
	Old, New int
}

// Hunk is one "@@ … @@" block: its header and its lines.
type Hunk struct {
	Header string
	Lines  []Line
}

// String is the hunk as a patch writes it, with no final newline.
func (h Hunk) String() string {
	out := []string{h.Header}
	for _, l := range h.Lines {
		line := string(l.Op) + strings.TrimSuffix(l.Text, "\n")
		if !strings.HasSuffix(l.Text, "\n") {
			line += "\n\\ No newline at end of file"
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// Hunks is the diff from before to after, with three lines of context;
// none when they are equal.
func Hunks(before, after string) []Hunk {
	lines := lineEdits(splitLines(before), splitLines(after))
	var out []Hunk
	for _, h := range hunks(lines) {
		body := lines[h[0]:h[1]]
		oldStart, oldCount := position(lines[:h[0]], body, '+')
		newStart, newCount := position(lines[:h[0]], body, '-')
		out = append(out, Hunk{Header: fmt.Sprintf("@@ -%s +%s @@", span(oldStart, oldCount), span(newStart, newCount)), Lines: body})
	}
	return out
}

// Patch joins hunks as a patch's body, without file headers or a final
// newline.
func Patch(hunks []Hunk) string {
	out := make([]string, len(hunks))
	for i, h := range hunks {
		out[i] = h.String()
	}
	return strings.Join(out, "\n")
}

// Unified is the diff of one file as `git diff` writes it, "--- a/name"
// and "+++ b/name" first, which `git apply` and `patch -p1` read; "" when
// nothing changed.
func Unified(name string, before, after []byte) string {
	h := Hunks(string(before), string(after))
	if len(h) == 0 {
		return ""
	}
	return "--- a/" + name + "\n+++ b/" + name + "\n" + Patch(h) + "\n"
}

func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// position is a hunk's start and length on one side (the side without
// other); an empty side starts at the line before, as git writes it.
func position(before, body []Line, other byte) (start, count int) {
	for _, e := range before {
		if e.Op != other {
			start++
		}
	}
	for _, e := range body {
		if e.Op != other {
			count++
		}
	}
	if count > 0 {
		start++
	}
	return start, count
}

func span(start, count int) string {
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

// hunks groups changes with diffContext lines around them, merging groups
// whose context would touch, as git does; each is [start, end) in edits.
func hunks(edits []Line) [][2]int {
	var out [][2]int
	for i, e := range edits {
		if e.Op == ' ' {
			continue
		}
		start, end := max(0, i-diffContext), min(len(edits), i+1+diffContext)
		if n := len(out); n > 0 && start <= out[n-1][1] {
			out[n-1][1] = end
		} else {
			out = append(out, [2]int{start, end})
		}
	}
	return out
}

// lineEdits is a shortest edit script from a to b (Myers' algorithm) after
// setting aside the lines they share at both ends.
func lineEdits(a, b []string) []Line {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := slices.Repeat([]byte{' '}, pre)
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	ops = append(ops, slices.Repeat([]byte{' '}, suf)...)

	var edits []Line
	i, j := 0, 0
	for _, op := range ops {
		switch op {
		case ' ':
			edits = append(edits, Line{op, a[i], i + 1, j + 1})
			i, j = i+1, j+1
		case '-':
			edits = append(edits, Line{op, a[i], i + 1, 0})
			i++
		case '+':
			edits = append(edits, Line{op, b[j], 0, j + 1})
			j++
		}
	}
	return edits
}

// myers returns the operations (' ', '-', '+') of a shortest edit script.
func myers(a, b []string) []byte {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return append(slices.Repeat([]byte{'-'}, n), slices.Repeat([]byte{'+'}, m)...)
	}
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3) // furthest x on each diagonal k, at v[off+k]
	// trace[d] is v's window [-d-1, d+1] before step d, for the way back.
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, slices.Clone(v[off-d-1:off+d+2]))
		for k := -d; k <= d; k += 2 {
			x := v[off+k-1] + 1
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, n, m)
			}
		}
	}
	panic("unreachable: a script of n+m steps always exists")
}

func backtrack(trace [][]int, x, y int) []byte {
	var ops []byte
	for d := len(trace) - 1; d >= 0; d-- {
		at := func(k int) int { return trace[d][k+d+1] }
		k := x - y
		prev := k - 1
		if k == -d || k != d && at(k-1) < at(k+1) {
			prev = k + 1
		}
		px := at(prev)
		py := px - prev
		for x > px && y > py {
			ops = append(ops, ' ')
			x, y = x-1, y-1
		}
		if d > 0 {
			if x == px {
				ops = append(ops, '+')
			} else {
				ops = append(ops, '-')
			}
			x, y = px, py
		}
	}
	slices.Reverse(ops)
	return ops
}
