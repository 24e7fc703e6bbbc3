package forgetest

import "github.com/composeguard/composeguard/app/textdiff"

// FileDiff is one file's unified diff as git, GitHub and GitLab compute it,
// without file headers.
type FileDiff struct {
	Patch                string
	Additions, Deletions int
	// NewLines and OldLines are the lines inside hunks, on each side: the
	// only lines a review comment may be placed on. Added are the lines
	// the change adds.
	NewLines, OldLines, Added map[int]bool
	// NewHunk numbers the hunk of each new-side line: a multi-line comment
	// lies within one.
	NewHunk map[int]int
}

// Diff is the unified diff from before to after, with three lines of
// context.
func Diff(before, after string) FileDiff {
	d := FileDiff{NewLines: map[int]bool{}, OldLines: map[int]bool{}, Added: map[int]bool{}, NewHunk: map[int]int{}}
	hunks := textdiff.Hunks(before, after)
	for n, h := range hunks {
		for _, l := range h.Lines {
			if l.Old > 0 {
				d.OldLines[l.Old] = true
			}
			if l.New > 0 {
				d.NewLines[l.New] = true
				d.NewHunk[l.New] = n
			}
			switch l.Op {
			case '+':
				d.Additions++
				d.Added[l.New] = true
			case '-':
				d.Deletions++
			}
		}
	}
	d.Patch = textdiff.Patch(hunks)
	return d
}
