package checks

var _ = register(&Rule{
	ID:          "image-digest-not-pinned",
	Category:    Image,
	Severity:    Info,
	SeverityWhy: "A publisher re-pushing a version tag is rare and usually a patch; only policies that want every change reviewable ask for digests.",
	Title:       "Image is pinned by tag, not digest",
	Why:         "A tag can be pushed again with other content; only a digest makes every bump a reviewable diff.",
	Fix:         "Append the image's digest (nginx:1.27.3@sha256:…); a bump bot keeps tag and digest in step.",
	Run: func(c *Context) {
		// Opt-in: most homelabs pin tags and accept republished patches.
		if !c.Options.RequireDigest {
			return
		}
		for _, s := range c.Services() {
			img, ok := readImage(c, s)
			switch {
			case !ok || img.Err != nil:
			case len(img.Unknown) > 0:
				c.ReportUnknown(s.Name, img.Pos, "image", img.Unknown)
			case img.Ref.Tag != "" && img.Ref.Digest == "":
				c.Report(Finding{Service: s.Name, Pos: img.Pos, KeyPath: "image",
					Message: "image is pinned by tag only; the tag can be republished"})
			}
		}
	},
})
