package pulls

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/composeguard/composeguard/app/bump"
)

// BranchPrefix starts the name of every branch composeguard proposes from.
const BranchPrefix = "composeguard/"

// Branch names the branch of an update, so that the same kind of update of
// the same image always lands on the same branch and pull request:
//
//	composeguard/<image>-<major>.x    patch and minor updates: postgres-16.x
//	composeguard/<image>-<new major>  major updates: postgres-17
//	composeguard/<image>-<tag>        digest refreshes and pins: postgres-16.2-alpine
//	composeguard/<group>              the policy's group, non-major updates
//	composeguard/major-<group>        the policy's group, major updates
//
// <image> is the name as Docker shortens it (postgres, bitnami/redis,
// ghcr.io/org/app) and every name is lower-cased, with each run of
// characters other than letters, digits, dots and underscores made one dash:
// postgres, bitnami-redis, ghcr.io-org-app. A newer version inside the same
// bucket reuses the branch, so its pull request is updated in place; a new
// major is a new branch.
func Branch(u bump.Update) string {
	switch {
	case u.Group != "" && u.Type == bump.UpdateMajor:
		return BranchPrefix + "major-" + slug(u.Group)
	case u.Group != "":
		return BranchPrefix + slug(u.Group)
	case u.Type == bump.UpdateMajor:
		return BranchPrefix + slug(u.Image) + "-" + major(u.To.Tag)
	case u.Type == bump.UpdateDigest || u.Type == bump.UpdatePin:
		return BranchPrefix + slug(u.Image) + "-" + slug(u.From.Tag)
	}
	return BranchPrefix + slug(u.Image) + "-" + major(u.To.Tag) + ".x"
}

// major is a tag's first number, or the whole tag made safe when it has none.
func major(tag string) string {
	if v, ok := bump.ParseTag(tag); ok {
		return strconv.FormatUint(v.Numbers[0], 10)
	}
	return slug(tag)
}

// slug makes a name safe inside a branch name (git check-ref-format).
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := b.String()
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	return strings.Trim(out, "-.")
}

// proposal is one branch and pull request: the updates that share a branch.
type proposal struct {
	branch  string
	group   string
	major   bool
	updates []bump.Update
}

// proposals groups updates by branch, patch and minor first, then by name.
func proposals(updates []bump.Update) []*proposal {
	var out []*proposal
	byBranch := map[string]*proposal{}
	for _, u := range updates {
		b := Branch(u)
		p := byBranch[b]
		if p == nil {
			p = &proposal{branch: b, group: u.Group, major: u.Type == bump.UpdateMajor}
			byBranch[b] = p
			out = append(out, p)
		}
		p.updates = append(p.updates, u)
	}
	rank := func(p *proposal) int {
		if p.major {
			return 1
		}
		return 0
	}
	slices.SortFunc(out, func(a, b *proposal) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.branch, b.branch))
	})
	return out
}

// title is the pull request's title and the commit's subject:
// "Update postgres to 16.4-alpine".
func (p *proposal) title() string {
	if p.group != "" {
		if p.major {
			return "Update " + p.group + " (major)"
		}
		return "Update " + p.group
	}
	u := p.updates[0]
	switch u.Type {
	case bump.UpdatePin:
		return fmt.Sprintf("Pin %s:%s to its digest %s", u.Image, u.From.Tag, shortDigest(u.To.Digest))
	case bump.UpdateDigest:
		return fmt.Sprintf("Update %s:%s to digest %s", u.Image, u.From.Tag, shortDigest(u.To.Digest))
	}
	return "Update " + u.Image + " to " + strings.Join(p.versions(func(u bump.Update) string { return u.To.Tag }), ", ")
}

// images lists the images the proposal moves, as written.
func (p *proposal) images() []string {
	return p.versions(func(u bump.Update) string { return u.Image })
}

// versions lists distinct values of the updates, sorted.
func (p *proposal) versions(of func(bump.Update) string) []string {
	var out []string
	for _, u := range p.updates {
		out = append(out, of(u))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// shortDigest is a digest's first seven hex digits, as git shortens SHAs.
func shortDigest(d string) string {
	_, hex, _ := strings.Cut(d, ":")
	return hex[:min(7, len(hex))]
}

// show writes a version the way the table reads it: 16.4 or 16.4@1a2b3c4.
func show(v bump.TagDigest) string {
	if v.Digest == "" {
		return v.Tag
	}
	return v.Tag + "@" + shortDigest(v.Digest)
}
