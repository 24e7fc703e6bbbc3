package checks

import "github.com/composeguard/composeguard/app/compose"

var _ = register(&Rule{
	ID:          "build-and-image-both",
	Category:    Image,
	Severity:    Low,
	SeverityWhy: "What runs depends on whether a pull succeeds: a reproducibility problem, not an opening.",
	Title:       "Service has both build and image",
	Why:         "Compose pulls the image first and builds only if the pull fails, so what runs depends on the registry.",
	Fix:         "Set pull_policy (build to always build locally, missing or always to prefer the registry), or drop one of the keys.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			if s.Build == nil || s.PullPolicy != "" {
				continue
			}
			if s.Image == "" {
				if vars := c.Unknown(s.Name, "image"); len(vars) > 0 {
					c.ReportUnknown(s.Name, c.Project.Where(s.Name, "image"), "image", vars)
				}
				continue
			}
			// pull_policy is absent: an empty value fails Compose's schema.
			c.Report(Finding{Service: s.Name, Pos: buildAndImagePos(c, s.Name), KeyPath: "pull_policy",
				Message: "has build and image but no pull_policy: Compose pulls and builds only if the pull fails"})
		}
	},
})

// buildAndImagePos is the service's name, unless another file than the one
// naming it writes build or image: then that key, where the two meet
// (mailcow's BUILD_FLAGS override adds build to services whose image the
// main file sets).
func buildAndImagePos(c *Context, service string) compose.Position {
	at := c.Project.ServicePos(service)
	for _, key := range []string{"build", "image"} {
		if l, ok := c.Project.Locate(service, key); ok && l.Pos.File != at.File {
			return l.Pos
		}
	}
	return at
}
