package bump

import (
	"fmt"
	"path"
	"slices"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/cron"
)

// Config is a repository's bump settings, from the policy's bump: section.
// The zero value updates every image with the defaults.
type Config struct {
	// OptedIn is set when the policy has a bump: section, which asks for
	// scheduled pull requests; the local command runs either way.
	OptedIn bool
	// Rules apply in order to the images their globs match; a later rule's
	// keys override an earlier one's, and ignored versions add up.
	Rules []Rule
	// Schedule, when set, narrows the scheduled runs that process the
	// repository to those it fires within; the zero Schedule takes them all.
	Schedule cron.Schedule
	// PRHourlyLimit and PRConcurrentLimit cap the pull requests opened per
	// clock hour and open at once; nil means the default, 0 no limit.
	PRHourlyLimit, PRConcurrentLimit *int
}

// Renovate's defaults for prHourlyLimit and prConcurrentLimit.
const (
	DefaultPRHourlyLimit     = 2
	DefaultPRConcurrentLimit = 10
)

// Limits returns the pull request limits; 0 means none.
func (c Config) Limits() (hourly, concurrent int) {
	hourly, concurrent = DefaultPRHourlyLimit, DefaultPRConcurrentLimit
	set(&hourly, c.PRHourlyLimit)
	set(&concurrent, c.PRConcurrentLimit)
	return hourly, concurrent
}

// Rule sets options for the images matching one of its globs. Nil fields
// leave the value earlier rules (or the default) gave.
type Rule struct {
	// Images are path.Match globs on the name as written (postgres,
	// ghcr.io/org/*) or in full (docker.io/library/postgres).
	Images             []string
	UpdateTypes        []UpdateType
	IgnoreVersions     []string
	Ignore             *bool
	PinDigests         *bool
	AllowSuffixAdvance *bool
	AllowWordPrefix    *bool
	AllowDateTags      *bool
	Group              *string
}

// Settings are what applies to one image.
type Settings struct {
	Select SelectOptions
	// Ignore leaves the image alone.
	Ignore bool
	// PinDigests adds the digest to references that have only a tag.
	PinDigests bool
	// Group names a set of images updated together (one pull request).
	Group string
}

// MajorsListed reports whether the rules name major in update_types, which
// lets a local run write majors without being asked; the default (no
// update_types) proposes majors but a local run holds them back.
func (s Settings) MajorsListed() bool {
	return slices.Contains(s.Select.AllowedTypes, UpdateMajor)
}

// Validate reports malformed globs and unknown update types.
func (r Rule) Validate() error {
	if len(r.Images) == 0 {
		return fmt.Errorf("a rule needs images, a list of name globs")
	}
	for _, g := range r.Images {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("image glob %q: %w", g, err)
		}
	}
	return SelectOptions{AllowedTypes: r.UpdateTypes, IgnoreTags: r.IgnoreVersions}.Validate()
}

// For returns the settings of one image.
func (c Config) For(image compose.ImageRef) Settings {
	var s Settings
	for _, r := range c.Rules {
		if !r.matches(image) {
			continue
		}
		if r.UpdateTypes != nil {
			s.Select.AllowedTypes = r.UpdateTypes
		}
		s.Select.IgnoreTags = append(s.Select.IgnoreTags, r.IgnoreVersions...)
		set(&s.Ignore, r.Ignore)
		set(&s.PinDigests, r.PinDigests)
		set(&s.Select.AllowSuffixAdvance, r.AllowSuffixAdvance)
		set(&s.Select.AllowWordPrefix, r.AllowWordPrefix)
		set(&s.Select.AllowSemverToDate, r.AllowDateTags)
		set(&s.Group, r.Group)
	}
	return s
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (r Rule) matches(image compose.ImageRef) bool {
	for _, g := range r.Images {
		for _, name := range []string{image.FamiliarName(), image.Name()} {
			if ok, _ := path.Match(g, name); ok {
				return true
			}
		}
	}
	return false
}
