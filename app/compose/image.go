package compose

import (
	// go-digest accepts sha512 digests only when the hash is linked in, as
	// it is in Docker.
	_ "crypto/sha512"
	"errors"

	"github.com/distribution/reference"
)

// ImageRef is an image reference read as Docker reads it: "nginx" is
// docker.io/library/nginx, "registry:5000/app" has no tag.
type ImageRef struct {
	Registry   string // host[:port], "docker.io" when none is written
	Repository string // path inside the registry: "library/nginx" for "nginx"
	Tag        string // "" when none is written
	Digest     string // "sha256:<hex>", "" when none is written
	named      reference.Named
}

// ParseImage parses an image reference with Docker's own parser
// (distribution/reference), so it accepts exactly what Docker does.
func ParseImage(ref string) (ImageRef, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ImageRef{}, err
	}
	// Docker cannot pull from an empty registry, which the grammar allows
	// for a first component with "_" such as ex_ample.com/app.
	if reference.Domain(named) == "" {
		return ImageRef{}, errors.New("invalid registry in " + ref)
	}
	r := ImageRef{Registry: reference.Domain(named), Repository: reference.Path(named), named: named}
	if t, ok := named.(reference.Tagged); ok {
		r.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		r.Digest = d.Digest().String()
	}
	return r, nil
}

// Name is the full repository name: docker.io/library/nginx.
func (r ImageRef) Name() string { return r.Registry + "/" + r.Repository }

// FamiliarName is the name as people write it: nginx, grafana/grafana.
func (r ImageRef) FamiliarName() string { return reference.FamiliarName(r.named) }

// Familiar is the reference as people write it, with tag and digest.
func (r ImageRef) Familiar() string { return reference.FamiliarString(r.named) }

// String is the full reference with tag and digest.
func (r ImageRef) String() string { return r.named.String() }
