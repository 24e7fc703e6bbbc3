package checks

import (
	"path"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
)

// unknownMark stands in for an unknown variable while an image reference is
// parsed; it is a valid name component and tag, so the parse shows where the
// variable landed.
const unknownMark = "cgunknownvar"

// serviceImage is a service's image as Docker will pull it.
type serviceImage struct {
	Ref compose.ImageRef
	Err error
	Pos compose.Position
	// Unknown lists the unknown variables the tag or digest may come from;
	// a variable only in the registry or namespace cannot add a tag.
	Unknown []string
}

// readImage parses a service's image; ok is false when it has none (a
// build-only service).
func readImage(c *Context, s types.ServiceConfig) (img serviceImage, ok bool) {
	var unknown []string
	raw := s.Image
	if l, found := c.Project.Locate(s.Name, "image"); found {
		unknown = c.Project.Unknown(l.Value)
		raw = l.Value.Value
	}
	if s.Image == "" && len(unknown) == 0 {
		return img, false
	}
	img.Pos = c.Project.Where(s.Name, "image")
	text := s.Image
	if len(unknown) > 0 {
		text = markUnknown(c.Project, raw, unknown)
	}
	img.Ref, img.Err = compose.ParseImage(text)
	last := img.Ref.Tag + img.Ref.Digest
	if last == "" {
		last = path.Base(img.Ref.Repository)
	}
	if len(unknown) > 0 && (img.Err != nil || strings.Contains(last, unknownMark)) {
		img.Unknown = unknown
	}
	return img, true
}

// markUnknown interpolates raw with the project's variables, writing
// unknownMark for the unknown ones.
func markUnknown(p *compose.Project, raw string, unknown []string) string {
	out, err := template.SubstituteWithOptions(raw, func(name string) (string, bool) {
		if v, ok := p.Env[name]; ok {
			return v, true
		}
		for _, u := range unknown {
			if u == name {
				return unknownMark, true
			}
		}
		return "", false
	}, template.WithoutLogging)
	if err != nil {
		return raw
	}
	return out
}
