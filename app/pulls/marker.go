package pulls

import (
	"encoding/json"
	"slices"
	"strings"
)

// The hidden marker at the end of every body records what the pull request
// proposes and on which base commit. It is how a later run knows the branch
// is current, and how a pull request closed without merging keeps its
// versions from being proposed again: the memory lives on the forge, so it
// needs no database and survives a new server. (Renovate keys the same
// memory on the title; a marker survives a person retitling the pull
// request.)
const markerStart, markerEnd = "<!-- composeguard:bump ", " -->"

// autoclosed ends the title of a pull request composeguard closed itself,
// which must not count as the user ignoring its versions.
const autoclosed = " - autoclosed"

// bumpTrailer starts the last line of every image update commit; a branch
// holding a commit without it has commits someone else made.
const bumpTrailer = "Composeguard-Bump: "

type marker struct {
	Base    string   `json:"base"`
	Updates []change `json:"updates"`
}

// change is one update as the marker keeps it.
type change struct {
	Image      string `json:"image"` // as written: postgres
	Repository string `json:"repository"`
	From       string `json:"from"`
	To         string `json:"to"`
}

func (p *proposal) marker(base string) marker {
	m := marker{Base: base}
	for _, u := range p.updates {
		m.Updates = append(m.Updates, change{u.Image, u.Repository, u.From.String(), u.To.String()})
	}
	slices.SortFunc(m.Updates, func(a, b change) int {
		return strings.Compare(a.Repository+" "+a.From+" "+a.To, b.Repository+" "+b.From+" "+b.To)
	})
	return m
}

func (m marker) String() string { return writeMarker(markerStart, m) }

// writeMarker writes v as a hidden marker; JSON escapes "<" and ">", so no
// value can end the comment.
func writeMarker(start string, v any) string {
	b, _ := json.Marshal(v)
	return start + string(b) + markerEnd
}

// readMarker finds the marker in a body; false when there is none.
func readMarker(body string) (marker, bool) {
	var m marker
	return m, readMarkerAs(body, markerStart, &m)
}

// readMarkerAs decodes into v the first marker of a body that begins
// with start; false when there is none.
func readMarkerAs(body, start string, v any) bool {
	_, rest, ok := strings.Cut(body, start)
	if !ok {
		return false
	}
	text, _, ok := strings.Cut(rest, markerEnd)
	return ok && json.Unmarshal([]byte(text), v) == nil
}

// same reports whether two markers propose the same changes on the same
// base: the branch needs no rebuild.
func (m marker) same(other marker) bool {
	return m.Base == other.Base && slices.Equal(m.Updates, other.Updates)
}

// targets is what a user closing the pull request declines: the version
// each image would move to, whatever it moves from.
func (m marker) targets() []string {
	var out []string
	for _, c := range m.Updates {
		out = append(out, c.Repository+" "+declined(c.From, c.To))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// declined is the part of a change that closing declines: the new tag,
// whatever digest it is republished with; the digest itself only when the
// tag stays (a digest refresh or pin).
func declined(from, to string) string {
	fromTag, _, _ := strings.Cut(from, "@")
	toTag, _, _ := strings.Cut(to, "@")
	if fromTag == toTag {
		return to
	}
	return toTag
}

// images lists the images the marker's updates move, as written.
func (m marker) images() []string {
	var out []string
	for _, c := range m.Updates {
		out = append(out, c.Image)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
