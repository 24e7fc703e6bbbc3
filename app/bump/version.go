package bump

import (
	"slices"
	"strconv"
	"strings"
)

// TagVersion is a Docker tag read as a version, the way Renovate's docker
// versioning reads it (numbers, a prerelease glued on, a suffix after the
// first dash), plus an optional word prefix.
type TagVersion struct {
	Tag string // as the registry lists it; written back verbatim
	// Prefix holds leading words and their dashes ("version-" in
	// version-1.2.3); Renovate reads such tags as no version at all.
	Prefix     string
	HasV       bool     // a lowercase "v" precedes the numbers
	Numbers    []uint64 // dot-separated numbers; 18.04 reads as 18, 4
	Prerelease string   // letters and digits glued to the numbers: "beta1" in 17beta1
	Suffix     string   // everything after the first dash that follows the numbers: "alpine3.19"
}

// ParseTag reads tag as a version. Tags such as latest, stable, bookworm-slim,
// V1.2.3 and commit hashes are not versions.
func ParseTag(tag string) (TagVersion, bool) {
	if tag == "" || isCommitHash(tag) {
		return TagVersion{}, false
	}
	v := TagVersion{Tag: tag}
	rest, lastWord := tag, ""
	for {
		word, after, found := strings.Cut(rest, "-")
		if !found || !isLetters(word) {
			break
		}
		rest, lastWord = after, word
	}
	// sha-1234567 is docker/metadata-action's commit tag, not a build number.
	if lastWord == "sha" {
		return TagVersion{}, false
	}
	v.Prefix = tag[:len(tag)-len(rest)]
	if strings.HasPrefix(rest, "v") {
		v.HasV = true
		rest = rest[1:]
	}
	head, suffix, hasSuffix := strings.Cut(rest, "-")
	if hasSuffix && suffix == "" {
		return TagVersion{}, false
	}
	v.Suffix = suffix
	v.Numbers = make([]uint64, 0, strings.Count(head, ".")+1)
	i := 0
	for {
		start := i
		for i < len(head) && isDigit(head[i]) {
			i++
		}
		if i == start {
			return TagVersion{}, false
		}
		n, err := strconv.ParseUint(head[start:i], 10, 64)
		if err != nil {
			return TagVersion{}, false
		}
		v.Numbers = append(v.Numbers, n)
		if i+1 < len(head) && head[i] == '.' && isDigit(head[i+1]) {
			i++
			continue
		}
		break
	}
	v.Prerelease = head[i:]
	for j := 0; j < len(v.Prerelease); j++ {
		if c := v.Prerelease[j]; !isDigit(c) && !isLetter(c) && c != '_' {
			return TagVersion{}, false
		}
	}
	return v, true
}

// ParseTags keeps the tags that are versions, sorted ascending. Parse a
// repository's tag list once and reuse the result for every reference to it.
func ParseTags(tags []string) []TagVersion {
	versions := make([]TagVersion, 0, len(tags))
	for _, tag := range tags {
		if v, ok := ParseTag(tag); ok {
			versions = append(versions, v)
		}
	}
	slices.SortFunc(versions, func(a, b TagVersion) int {
		if c := a.Compare(b); c != 0 {
			return c
		}
		return strings.Compare(a.Tag, b.Tag) // v2.11.3 and 2.11.3 compare equal; keep the order stable
	})
	return versions
}

// Compare orders versions as Renovate's docker versioning does, except that
// prereleases compare numbers as numbers (beta10 > beta9).
// Prefix and v do not matter here; Compatible checks them.
func (v TagVersion) Compare(other TagVersion) int {
	if c := compareRelease(v, other); c != 0 {
		return c
	}
	// Reverse string order, so an unsuffixed tag beats a suffixed one.
	return strings.Compare(other.Suffix, v.Suffix)
}

// Compatible reports whether candidate may replace current: same prefix,
// same v, same number of numeric parts and the same suffix (as Renovate's
// docker versioning, except that Renovate ignores the v and so adds or drops
// it silently).
func Compatible(current, candidate TagVersion) bool {
	return sameShape(current, candidate) && current.Suffix == candidate.Suffix
}

func sameShape(a, b TagVersion) bool {
	return a.Prefix == b.Prefix && a.HasV == b.HasV && len(a.Numbers) == len(b.Numbers)
}

// compareRelease orders by numbers, then prerelease, ignoring the suffix.
func compareRelease(a, b TagVersion) int {
	for i := 0; i < len(a.Numbers) && i < len(b.Numbers); i++ {
		if a.Numbers[i] != b.Numbers[i] {
			if a.Numbers[i] < b.Numbers[i] {
				return -1
			}
			return 1
		}
	}
	// The shorter tag is greater: 1.2 is its own, newer tag than 1.2.0.
	if len(a.Numbers) != len(b.Numbers) {
		if len(a.Numbers) < len(b.Numbers) {
			return 1
		}
		return -1
	}
	switch {
	case a.Prerelease == b.Prerelease:
		return 0
	case a.Prerelease == "":
		return 1
	case b.Prerelease == "":
		return -1
	}
	c, _ := compareNatural(a.Prerelease, b.Prerelease)
	return c
}

// compareNatural compares digit runs as numbers and other bytes as bytes;
// sameText reports whether a and b differ at most in their numbers, which is
// what lets alpine3.19 advance to alpine3.20 but not to bookworm.
func compareNatural(a, b string) (cmp int, sameText bool) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			endA, endB := i, j
			for endA < len(a) && isDigit(a[endA]) {
				endA++
			}
			for endB < len(b) && isDigit(b[endB]) {
				endB++
			}
			if cmp == 0 {
				cmp = compareDigits(a[i:endA], b[j:endB])
			}
			i, j = endA, endB
			continue
		}
		if a[i] != b[j] {
			if cmp == 0 {
				cmp = strings.Compare(a[i:i+1], b[j:j+1])
			}
			return cmp, false
		}
		i++
		j++
	}
	if i < len(a) || j < len(b) {
		if cmp == 0 {
			cmp = strings.Compare(a[i:], b[j:])
		}
		return cmp, false
	}
	return cmp, true
}

// compareDigits compares decimal strings of any length without overflow.
func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// isCommitHash follows Renovate: 7 to 40 lowercase hex characters, not all
// digits (so the date tag 20231012 stays a version).
func isCommitHash(tag string) bool {
	if len(tag) < 7 || len(tag) > 40 {
		return false
	}
	allDigits := true
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !isDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
		allDigits = allDigits && isDigit(c)
	}
	return !allDigits
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return s != ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
