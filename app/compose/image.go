package compose

import (
	"errors"
	"fmt"
	"strings"
)

// ImageRef is an image reference read as Docker reads it
// (distribution/reference ParseNormalizedNamed): "nginx" is
// docker.io/library/nginx, "registry:5000/app" has no tag.
type ImageRef struct {
	Registry   string // host[:port], "docker.io" when none is written
	Repository string // path inside the registry: "library/nginx" for "nginx"
	Tag        string // "" when none is written
	Digest     string // "sha256:<hex>", "" when none is written
}

const (
	defaultRegistry = "docker.io"
	officialPrefix  = "library/"
	maxNameLength   = 255
	maxTagLength    = 128
)

// digestHexLength is the hex length of each algorithm go-digest accepts.
var digestHexLength = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// ParseImage parses an image reference, accepting exactly what Docker does.
func ParseImage(ref string) (ImageRef, error) {
	if len(ref) == 64 && isLowerHex(ref) {
		return ImageRef{}, errors.New("a 64-character hexadecimal string is an image ID, not a reference")
	}
	registry, rest := splitRegistry(ref)
	// Docker checks the name up to the first ':' for upper case before
	// anything else, so "Nginx" fails on case rather than on format.
	remote := rest
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		remote = rest[:i]
	}
	if strings.ToLower(remote) != remote {
		return ImageRef{}, fmt.Errorf("repository name %q must be lowercase", remote)
	}
	r := ImageRef{Registry: registry}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest, r.Digest = rest[:i], rest[i+1:]
		if err := checkDigest(r.Digest); err != nil {
			return ImageRef{}, err
		}
	}
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		rest, r.Tag = rest[:i], rest[i+1:]
		if !validTag(r.Tag) {
			return ImageRef{}, fmt.Errorf("invalid tag %q", r.Tag)
		}
	}
	r.Repository = rest
	if !validHost(registry) {
		return ImageRef{}, fmt.Errorf("invalid registry host %q", registry)
	}
	if !validPath(rest) {
		return ImageRef{}, fmt.Errorf("invalid repository name %q", rest)
	}
	if len(r.Name()) > maxNameLength {
		return ImageRef{}, fmt.Errorf("repository name is longer than %d characters", maxNameLength)
	}
	return r, nil
}

// splitRegistry is distribution's splitDockerDomain: the first component is a
// registry only when it has a '.' or ':', is localhost, or has upper case.
func splitRegistry(ref string) (registry, rest string) {
	i := strings.IndexByte(ref, '/')
	first := ""
	if i >= 0 {
		first = ref[:i]
	}
	if i < 0 || (!strings.ContainsAny(first, ".:") && first != "localhost" && strings.ToLower(first) == first) {
		registry, rest = defaultRegistry, ref
	} else {
		registry, rest = first, ref[i+1:]
	}
	if registry == "index.docker.io" {
		registry = defaultRegistry
	}
	if registry == defaultRegistry && !strings.Contains(rest, "/") {
		rest = officialPrefix + rest
	}
	return registry, rest
}

// Name is the full repository name: docker.io/library/nginx.
func (r ImageRef) Name() string { return r.Registry + "/" + r.Repository }

// FamiliarName is the name as people write it: nginx, grafana/grafana,
// ghcr.io/org/app.
func (r ImageRef) FamiliarName() string {
	if r.Registry != defaultRegistry {
		return r.Name()
	}
	if short := strings.TrimPrefix(r.Repository, officialPrefix); short != r.Repository && !strings.Contains(short, "/") {
		return short
	}
	return r.Repository
}

// Familiar is the familiar name with the tag and digest: nginx:1.27.
func (r ImageRef) Familiar() string { return r.FamiliarName() + r.suffix() }

// String is the fully qualified reference: docker.io/library/nginx:1.27.
func (r ImageRef) String() string { return r.Name() + r.suffix() }

func (r ImageRef) suffix() string {
	s := ""
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// validHost matches host[:port], host being dot-separated labels of letters,
// digits and inner hyphens, or a bracketed IPv6 address.
func validHost(h string) bool {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		port := h[i+1:]
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return false
		}
		h = h[:i]
	}
	if strings.HasPrefix(h, "[") {
		inner := strings.TrimSuffix(h[1:], "]")
		return len(inner) > 0 && len(inner) == len(h)-2 && strings.Trim(inner, "0123456789abcdefABCDEF:") == ""
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !isAlnum(c) && c != '-' {
				return false
			}
		}
	}
	return true
}

// validPath matches slash-separated components of lower-case letters and
// digits joined by '.', '_', "__" or runs of '-'.
func validPath(p string) bool {
	for _, comp := range strings.Split(p, "/") {
		if !validComponent(comp) {
			return false
		}
	}
	return true
}

func validComponent(c string) bool {
	if c == "" || !isLowerAlnum(c[0]) || !isLowerAlnum(c[len(c)-1]) {
		return false
	}
	for i := 0; i < len(c); {
		if isLowerAlnum(c[i]) {
			i++
			continue
		}
		j := i
		for j < len(c) && !isLowerAlnum(c[j]) {
			j++
		}
		if sep := c[i:j]; sep != "." && sep != "_" && sep != "__" && strings.Trim(sep, "-") != "" {
			return false
		}
		i = j
	}
	return true
}

// validTag matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
func validTag(t string) bool {
	if t == "" || len(t) > maxTagLength || t[0] == '.' || t[0] == '-' {
		return false
	}
	for _, c := range t {
		if !isAlnum(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// checkDigest accepts what go-digest accepts: a supported algorithm and its
// exact number of lower-case hex digits.
func checkDigest(d string) error {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok || alg == "" {
		return fmt.Errorf("invalid digest %q", d)
	}
	want, known := digestHexLength[alg]
	switch {
	case !known:
		return fmt.Errorf("unsupported digest algorithm %q", alg)
	case len(hex) != want || !isLowerHex(hex):
		return fmt.Errorf("invalid %s digest: want %d lower-case hex digits", alg, want)
	}
	return nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')) {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }

func isAlnum(c rune) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
