package checks

import "strings"

var _ = register(&Rule{
	ID:       "image-tag-not-pinned",
	Category: Image,
	Severity: High,
	Title:    "Image tag does not pin a version",
	Why:      "With no tag or a moving one, the running version changes at the next pull without any diff to review.",
	Fix:      "Pin a version tag (nginx:1.27.3) or a digest, and let a bump bot propose upgrades.",
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
			case mutableTag(c.Options, img.Ref.Tag):
				c.Report(Finding{Service: s.Name, Pos: img.Pos, KeyPath: "image",
					Message: "image tag :" + img.Ref.Tag + " moves between pulls and pins no version"})
			}
		}
	},
})

func mutableTag(o Options, tag string) bool {
	for _, m := range o.MutableTags {
		if strings.EqualFold(m, tag) {
			return true
		}
	}
	return false
}
