package bump

import (
	"errors"
	"fmt"
	"path"
	"slices"
)

// UpdateType names the kind of change; the values appear in JSON output.
type UpdateType string

const (
	UpdatePatch UpdateType = "patch"
	UpdateMinor UpdateType = "minor"
	UpdateMajor UpdateType = "major"
	// UpdateDigest keeps the tag and refreshes only the digest, which
	// applies to digest-pinned references alone.
	UpdateDigest UpdateType = "digest"
)

// Choice is one proposed update of an image's tag.
type Choice struct {
	Tag  string // the tag to write, verbatim as the registry lists it
	Type UpdateType
}

// SelectOptions are one image's selection policy. The zero value selects
// like Renovate's defaults, except that a v prefix never appears or vanishes.
type SelectOptions struct {
	// AllowedTypes limits the proposed updates; empty allows every type.
	// Candidates are filtered before the newest is taken, so [patch] yields
	// the newest patch rather than no non-major update at all.
	AllowedTypes []UpdateType
	// IgnoreTags are tags never proposed, as exact tags or path.Match globs
	// ("16.4", "*-rc*"). The next newest tag in the same bucket may be
	// proposed instead, so a user-closed update should be checked against
	// the result rather than listed here.
	IgnoreTags []string
	// AllowSuffixAdvance lets the numbers inside a suffix grow
	// (alpine3.19 → alpine3.20, ls123 → ls130); the words must stay equal.
	AllowSuffixAdvance bool
	// AllowWordPrefix updates prefixed tags such as version-1.2.3 within
	// the same prefix; off, they are treated as not versions, as Renovate does.
	AllowWordPrefix bool
	// AllowSemverToDate lets a tag move to a date-like major (0.118 →
	// 2020.12). Off by default because of Alpine's 3 → 20210804 edge tags.
	AllowSemverToDate bool
}

// Validate reports unknown update types and malformed globs, which would
// otherwise be ignored silently.
func (o SelectOptions) Validate() error {
	var errs []error
	for _, t := range o.AllowedTypes {
		switch t {
		case UpdatePatch, UpdateMinor, UpdateMajor, UpdateDigest:
		default:
			errs = append(errs, fmt.Errorf("unknown update type %q (want patch, minor, major or digest)", t))
		}
	}
	for _, pattern := range o.IgnoreTags {
		if _, err := path.Match(pattern, ""); err != nil {
			errs = append(errs, fmt.Errorf("ignored tag pattern %q: %w", pattern, err))
		}
	}
	return errors.Join(errs...)
}

// Allows reports whether updates of type t may be proposed.
func (o SelectOptions) Allows(t UpdateType) bool {
	return len(o.AllowedTypes) == 0 || slices.Contains(o.AllowedTypes, t)
}

// ChooseUpdates returns the newest non-major update, then the newest major
// update, of current among available, which must come from ParseTags. A
// current tag that is not a version (latest, stable, bookworm) gets only an
// UpdateDigest choice for the same tag. Nil means nothing is due.
func ChooseUpdates(current string, available []TagVersion, opts SelectOptions) []Choice {
	cur, ok := opts.version(current)
	if !ok {
		if opts.Allows(UpdateDigest) {
			return []Choice{{Tag: current, Type: UpdateDigest}}
		}
		return nil
	}
	// Everything before start has a lower release and cannot be newer.
	start, _ := slices.BinarySearchFunc(available, cur, compareRelease)
	var nonMajor, major *TagVersion
	for i := start; i < len(available); i++ {
		candidate := &available[i]
		if !opts.eligible(cur, *candidate) {
			continue
		}
		best := &nonMajor
		if candidate.Numbers[0] != cur.Numbers[0] {
			best = &major
		}
		// >= so that among equal versions the later-sorted tag wins.
		if *best == nil || newness(*candidate, **best) >= 0 {
			*best = candidate
		}
	}
	var choices []Choice
	for _, best := range []*TagVersion{nonMajor, major} {
		if best != nil {
			choices = append(choices, Choice{Tag: best.Tag, Type: updateType(cur, *best)})
		}
	}
	return choices
}

// version reads a current tag as a version, unless it has a word prefix and
// the options leave such tags alone. The TagVersion is returned either way.
func (o SelectOptions) version(tag string) (TagVersion, bool) {
	v, ok := ParseTag(tag)
	return v, ok && (v.Prefix == "" || o.AllowWordPrefix)
}

// eligible applies Renovate's filters (newer than the current version, no
// prerelease unless the current one is of the same version, compatible, and
// never a downgrade), this package's guards and the options to one
// candidate.
func (o SelectOptions) eligible(cur, candidate TagVersion) bool {
	if !Compatible(cur, candidate) && !(o.AllowSuffixAdvance && suffixAdvances(cur, candidate)) {
		return false
	}
	if newness(candidate, cur) <= 0 {
		return false
	}
	if candidate.Prerelease != "" && (cur.Prerelease == "" || !sameMajorMinorPatch(cur, candidate)) {
		return false
	}
	if !o.AllowSemverToDate && !looksLikeDate(cur.Numbers[0]) && looksLikeDate(candidate.Numbers[0]) {
		return false
	}
	return o.Allows(updateType(cur, candidate)) && !o.ignores(candidate.Tag)
}

// suffixAdvances reports whether candidate's suffix has the same words as
// current's and numbers no lower, so an OS version never moves back.
func suffixAdvances(cur, candidate TagVersion) bool {
	if !sameShape(cur, candidate) {
		return false
	}
	suffixCmp, sameWords := compareNatural(candidate.Suffix, cur.Suffix)
	return sameWords && suffixCmp >= 0
}

func (o SelectOptions) ignores(tag string) bool {
	for _, pattern := range o.IgnoreTags {
		if matched, _ := path.Match(pattern, tag); matched || pattern == tag {
			return true
		}
	}
	return false
}

// newness orders two compatible tags: release first, then the numbers in
// the suffix, which differ only when the suffix may advance.
func newness(a, b TagVersion) int {
	if c := compareRelease(a, b); c != 0 {
		return c
	}
	c, _ := compareNatural(a.Suffix, b.Suffix)
	return c
}

// updateType follows Renovate: major if the major differs, minor if the
// minor differs, else patch (so 3.8.0b1 → 3.8.0 is a patch).
func updateType(cur, candidate TagVersion) UpdateType {
	switch {
	case candidate.Numbers[0] != cur.Numbers[0]:
		return UpdateMajor
	case len(cur.Numbers) > 1 && candidate.Numbers[1] != cur.Numbers[1]:
		return UpdateMinor
	}
	return UpdatePatch
}

// sameMajorMinorPatch is Renovate's test for a prerelease worth offering to
// a user already on a prerelease.
func sameMajorMinorPatch(a, b TagVersion) bool {
	n := min(len(a.Numbers), 3)
	return slices.Equal(a.Numbers[:n], b.Numbers[:n])
}

// looksLikeDate reports whether n reads as a year, optionally followed by
// month, day and time: 2024, 202405, 20240501, 202405011230.
func looksLikeDate(n uint64) bool {
	for n >= 10000 {
		if n < 100000 {
			return false // an odd number of digits
		}
		n /= 100
	}
	return n >= 1970 && n <= 2099
}
