package pulls

import (
	"context"
	"strconv"
	"strings"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/vulns"
)

// maxNamedVulnerabilities bounds the vulnerabilities a body names per
// update and kind (removed, new); it counts them all.
const maxNamedVulnerabilities = 10

// vulnChange is what an update does to an image's critical and high
// vulnerabilities.
type vulnChange struct {
	Image, From, To string
	// NotScanned says why the image before or after could not be scanned;
	// nothing else is then said.
	NotScanned    string
	Fixes, Brings string // counts per severity, "" for none
	Fixed, Added  []string
	FixedMore     int
	AddedMore     int
	Left          string // counts per severity still there after the update
}

// vulnChanges scans the image of every update before and after it.
func (w *repoRun) vulnChanges(ctx context.Context, p *proposal) []vulnChange {
	if w.opts.Scanner == nil {
		return nil
	}
	ref := func(u bump.Update, v bump.TagDigest) string {
		if v.Digest != "" {
			return u.Repository + ":" + v.Tag + "@" + v.Digest
		}
		return u.Repository + ":" + v.Tag
	}
	var refs []string
	for _, u := range p.updates {
		refs = append(refs, ref(u, u.From), ref(u, u.To))
	}
	outcomes := w.opts.Scanner.Scan(ctx, w.registry, refs)
	var out []vulnChange
	for _, u := range p.updates {
		c := vulnChange{Image: u.Image, From: show(u.From), To: show(u.To)}
		before, after := outcomes[ref(u, u.From)], outcomes[ref(u, u.To)]
		switch {
		case before.Report == nil:
			c.NotScanned = before.Err.Error()
		case after.Report == nil:
			c.NotScanned = after.Err.Error()
		default:
			removed, added := vulns.Removed(before.Report, after.Report), vulns.Added(before.Report, after.Report)
			c.Fixes, c.Brings, c.Left = counts(removed), counts(added), counts(after.Report.Vulnerabilities)
			c.Fixed, c.FixedMore = ids(removed)
			c.Added, c.AddedMore = ids(added)
		}
		out = append(out, c)
	}
	return out
}

// counts says how many of list are critical and high: "3 critical, 1 high".
func counts(list []vulns.Vulnerability) string {
	r := vulns.Report{Vulnerabilities: list}
	var parts []string
	for _, s := range []vulns.Severity{vulns.Critical, vulns.High} {
		if n := r.Count(s); n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+string(s))
		}
	}
	return strings.Join(parts, ", ")
}

// ids names the first vulnerabilities of list and counts the others.
func ids(list []vulns.Vulnerability) ([]string, int) {
	var out []string
	for _, v := range list[:min(len(list), maxNamedVulnerabilities)] {
		out = append(out, v.ID)
	}
	return out, len(list) - len(out)
}
