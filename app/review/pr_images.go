package review

import (
	"context"
	"fmt"
	"slices"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/registry"
	"github.com/composeguard/composeguard/app/vulns"
	"github.com/composeguard/composeguard/templates"
)

// maxScannedImages bounds the images one review scans; the summary names
// the others as not scanned.
const maxScannedImages = 10

// maxListedVulnerabilities bounds the vulnerabilities the summary lists
// per image, the most severe first; it counts them all.
const maxListedVulnerabilities = 10

// changedImage is an image the pull request adds or changes: a service
// runs it at head and ran another (or did not exist) at base.
type changedImage struct {
	Ref      string
	Services []string
	First    audit.ServiceImage // the first service running it
	Outcome  vulns.Outcome
}

// changedImages lists, once each, the images head's services run that the
// same project and service did not run at base.
func changedImages(base, head *audit.Report) []*changedImage {
	before := map[[2]string]string{}
	for _, img := range base.Images {
		before[[2]string{img.Project, img.Service}] = img.Image
	}
	var out []*changedImage
	byRef := map[string]*changedImage{}
	for _, img := range head.Images {
		if before[[2]string{img.Project, img.Service}] == img.Image {
			continue
		}
		c := byRef[img.Image]
		if c == nil {
			c = &changedImage{Ref: img.Image, First: img}
			byRef[img.Image] = c
			out = append(out, c)
		}
		if !slices.Contains(c.Services, img.Service) {
			c.Services = append(c.Services, img.Service)
		}
	}
	return out
}

// scanImages lists the vulnerabilities of the images the pull request adds
// or changes, when a scanner is configured. Nothing here fails the review:
// an image that could not be scanned says why.
func (r *PullRequestReview) scanImages(ctx context.Context, req forge.ReviewRequest, res *result) {
	if r.Scanner == nil || res.noCompose() {
		return
	}
	res.images = changedImages(res.base, res.head)
	scanned := res.images[:min(len(res.images), maxScannedImages)]
	for _, c := range res.images[len(scanned):] {
		c.Outcome.Err = &vulns.NotScanned{Reason: fmt.Sprintf("a review scans the first %d images a pull request adds or changes", maxScannedImages)}
	}
	if len(scanned) == 0 {
		return
	}
	digests, err := r.Registry(registry.ScopeName(req.Repo))
	if err != nil {
		for _, c := range scanned {
			c.Outcome.Err = &vulns.NotScanned{Reason: "composeguard's registry client could not be made"}
		}
		return
	}
	refs := make([]string, len(scanned))
	for i, c := range scanned {
		refs[i] = c.Ref
	}
	outcomes := r.Scanner.Scan(ctx, digests, refs)
	for _, c := range scanned {
		c.Outcome = outcomes[c.Ref]
	}
}

// imageView is an image in the summary.
type imageView struct {
	Image      string
	Services   []string
	File       string
	Line       int
	URL        string // where it is written, at head
	NotScanned string
	OS         string
	EndOfLife  bool
	Critical   int
	High       int
	Total      int
	Fixable    int // vulnerabilities some version fixes
	Vulns      []vulnView
	VulnsMore  int
}

// vulnView is one vulnerability: the packages carrying it, their
// installed versions and the versions that fix them, each once.
type vulnView struct {
	ID, URL, Severity, Title string
	Packages, Installed      []string
	Fixed                    []string // none when no version fixes it yet
}

func viewImages(images []*changedImage, link func(file string, line int) string) []imageView {
	var out []imageView
	for _, c := range images {
		at := c.First.Pos
		v := imageView{Image: c.Ref, Services: c.Services, File: at.File, Line: at.Line, URL: link(at.File, at.Line)}
		r := c.Outcome.Report
		if r == nil {
			v.NotScanned = c.Outcome.Err.Error()
			out = append(out, v)
			continue
		}
		v.OS, v.EndOfLife = r.OS, r.EndOfLife
		v.Critical, v.High, v.Total = r.Count(vulns.Critical), r.Count(vulns.High), len(r.Vulnerabilities)
		for _, vuln := range r.Vulnerabilities {
			vv := vulnView{ID: vuln.ID, URL: vuln.URL, Severity: string(vuln.Severity), Title: vuln.Title}
			for _, p := range vuln.Packages {
				vv.Packages = appendOnce(vv.Packages, p.Name)
				vv.Installed = appendOnce(vv.Installed, p.Installed)
				if p.Fixed != "" {
					vv.Fixed = appendOnce(vv.Fixed, p.Fixed)
				}
			}
			if len(vv.Fixed) > 0 {
				v.Fixable++
			}
			v.Vulns = append(v.Vulns, vv)
		}
		v.Vulns, v.VulnsMore = templates.Head(v.Vulns, maxListedVulnerabilities)
		out = append(out, v)
	}
	return out
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
