package forgekit

import (
	"regexp"
	"strconv"
	"strings"
)

// hunkHeader is "@@ -old[,count] +new[,count] @@"; a count left out is 1.
var hunkHeader = regexp.MustCompile(`^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@`)

// ParsePatch reads a file's unified diff without its file headers, as
// GitHub's pull request files and GitLab's merge request diffs give it, and
// returns the new-side lines inside its hunks (context and added: where a
// review comment may go) and the added lines alone.
func ParsePatch(patch string) (lines, added map[int]bool) {
	lines, added = map[int]bool{}, map[int]bool{}
	next, left := 0, 0 // the next new-side line number; new-side lines left in the hunk
	for _, l := range strings.Split(patch, "\n") {
		if m := hunkHeader.FindStringSubmatch(l); m != nil {
			next, _ = strconv.Atoi(m[1])
			left = 1
			if m[2] != "" {
				left, _ = strconv.Atoi(m[2])
			}
			continue
		}
		switch {
		case left == 0, strings.HasPrefix(l, "-"), strings.HasPrefix(l, `\`): // removed, or "\ No newline at end of file"
			continue
		case strings.HasPrefix(l, "+"):
			added[next] = true
		}
		// Added or context (" text", or "" when a blank line lost its space).
		lines[next] = true
		next++
		left--
	}
	return lines, added
}
