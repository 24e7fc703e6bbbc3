package checks

import (
	"path"
	"strings"
)

var _ = register(&Rule{
	ID:          "image-tag-not-pinned",
	Category:    Image,
	Severity:    High,
	SeverityWhy: "What runs changes at the next pull with no diff to review, so a broken or compromised release reaches the host unseen and no bump bot can propose the change.",
	Title:       "Image tag does not pin a version",
	Why:         "With no tag or a moving one, the running version changes at the next pull without any diff to review.",
	Fix:         "Pin a version tag (nginx:1.27.3) or a digest, and let a bump bot propose upgrades.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			img, ok := readImage(c, s)
			switch {
			case !ok:
			case len(img.Unknown) > 0:
				c.ReportUnknown(s.Name, img.Pos, "image", img.Unknown)
			case img.Err != nil:
				c.Report(Finding{Service: s.Name, Pos: img.Pos, KeyPath: "image",
					Message: "Docker cannot pull this image reference: " + img.Err.Error()})
			case img.Ref.Digest != "":
			case img.Ref.Tag == "":
				c.Report(Finding{Service: s.Name, Pos: img.Pos, KeyPath: "image",
					Message: "image has no tag, so it runs whatever latest is at the next pull"})
			case floatingTag(c.Options, path.Base(img.Ref.Repository), img.Ref.Tag):
				c.Report(Finding{Service: s.Name, Pos: img.Pos, KeyPath: "image",
					Message: "image tag :" + img.Ref.Tag + " moves between pulls and pins no version"})
			}
		}
	},
})

// floatingTag reports whether a tag names no version of the image, so what
// it points at moves: a tag the policy lists in mutable_tags; a tag with
// latest as one of its words (latest-arm64, develop-latest); or a tag whose
// words hold no digit once base-image and architecture words are set aside
// (alpine, mainline, apache, develop, stable-alpine, alpine3.20). Release
// codenames are the version of the distribution images themselves
// (debian:bookworm), and only of those.
func floatingTag(o Options, image, tag string) bool {
	for _, m := range o.MutableTags {
		if strings.EqualFold(m, tag) {
			return true
		}
	}
	lower := strings.ReplaceAll(strings.ToLower(tag), "x86_64", "amd64")
	words := strings.FieldsFunc(lower, func(r rune) bool { return r == '-' || r == '_' })
	named := false
	for i, w := range words {
		switch {
		case w == "latest":
			return true
		case i == 0 && distroImages[image] && distroCodenames[w]:
			named = true
		case variantWord(w):
		case strings.ContainsAny(w, "0123456789"):
			named = true
		}
	}
	return !named
}

// variantWord reports whether a tag word names the base image, a build
// flavour or a CPU architecture rather than the software's version
// (alpine3.20, bookworm, slim, arm64v8): its digits are not a version of
// the image.
func variantWord(w string) bool {
	base := strings.TrimRight(w, "0123456789.")
	return tagVariants[w] || tagVariants[base] || distroCodenames[w] || (base != w && (base == "alpine" || base == "ubuntu" || base == "debian"))
}

// tagVariants are tag words for a base image, flavour or architecture.
var tagVariants = map[string]bool{
	"alpine": true, "slim": true, "debian": true, "ubuntu": true, "distroless": true, "windowsservercore": true,
	"nanoserver": true, "amd64": true, "arm64": true, "arm64v8": true, "arm32v6": true, "arm32v7": true, "armv6": true,
	"armv7": true, "armhf": true, "aarch64": true, "x86": true, "x64": true, "i386": true, "ppc64le": true, "s390x": true,
	"riscv64": true,
}

// distroCodenames are Debian and Ubuntu release names, used as the base
// image part of many tags (python:3.12-bookworm).
var distroCodenames = map[string]bool{
	"buster": true, "bullseye": true, "bookworm": true, "trixie": true, "focal": true, "jammy": true,
	"noble": true, "bionic": true,
}

// distroImages are the images whose own version a codename is.
var distroImages = map[string]bool{"debian": true, "ubuntu": true, "buildpack-deps": true}
