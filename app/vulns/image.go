package vulns

import (
	"context"
	"errors"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/registry"
)

// NotScanned says why an image has no report. It is never "clean": the
// flows show it as not scanned, with Reason, composeguard's own words
// (never Trivy's output or a registry's, which can quote server details).
type NotScanned struct{ Reason string }

func (e *NotScanned) Error() string { return e.Reason }

// Image is an image by digest: what Trivy scans and what its report is
// cached by. Content is addressed by digest, so one image pushed to two
// repositories is one scan.
type Image struct {
	Repository string // docker.io/library/postgres
	Digest     string // sha256:…
}

// reference is the image as Trivy is given it, repository@digest, read
// back with Docker's own parser: a name and a digest and nothing else, so
// it can never pass for a flag.
func (i Image) reference() (string, error) {
	ref, err := compose.ParseImage(i.Repository + "@" + i.Digest)
	if err != nil || ref.Tag != "" || ref.Digest != i.Digest || strings.HasPrefix(ref.String(), "-") {
		return "", &NotScanned{Reason: "not a valid image reference"}
	}
	return ref.String(), nil
}

// Digests tells the digest a tag names now; *registry.Client does.
type Digests interface {
	Digest(ctx context.Context, repository, tag string) (string, error)
}

// Resolve reads an image reference as a compose file writes it and finds
// the image: the digest it pins, else the one its tag (latest when none)
// names now, asked of digests.
func Resolve(ctx context.Context, digests Digests, text string) (Image, error) {
	ref, err := compose.ParseImage(text)
	if err != nil {
		return Image{}, &NotScanned{Reason: "not a valid image reference"}
	}
	if ref.Digest != "" {
		return Image{Repository: ref.Name(), Digest: ref.Digest}, nil
	}
	tag := ref.Tag
	if tag == "" {
		tag = "latest"
	}
	digest, err := digests.Digest(ctx, ref.Name(), tag)
	if err != nil {
		return Image{}, &NotScanned{Reason: lookupFailure(err)}
	}
	return Image{Repository: ref.Name(), Digest: digest}, nil
}

// lookupFailure says why a digest lookup failed, in words that name no
// host, credential or setting of the server.
func lookupFailure(err error) string {
	var le *registry.LookupError
	if !errors.As(err, &le) {
		return "its digest could not be looked up in time"
	}
	switch le.Failure {
	case registry.NotFound:
		return "the registry has no such image or tag"
	case registry.Denied:
		return "the registry refused to show the image"
	case registry.Refused:
		return "composeguard does not reach that registry"
	case registry.TooLarge:
		return "the registry's answer was too large"
	}
	return "the registry did not answer"
}
