package policy

import (
	"path"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/cron"
	"go.yaml.in/yaml/v3"
)

// bump reads the bump: section. Its presence opts the repository in to
// scheduled update pull requests; `bump:` alone keeps every default.
//
//	bump:
//	  schedule: "0 6 * * 1"               # cron, UTC: scheduled runs it fires within
//	  pr_hourly_limit: 2                  # new pull requests per clock hour, 0: no limit
//	  pr_concurrent_limit: 10             # open pull requests at most, 0: no limit
//	  rules:
//	    - images: [postgres, "ghcr.io/org/*"]
//	      update_types: [patch, minor]    # patch, minor, major, digest
//	      ignore_versions: ["17.*"]
//	      ignore: false
//	      pin_digests: true
//	      allow_suffix_advance: true      # alpine3.19 → alpine3.20
//	      allow_word_prefix: false        # read version-1.2.3 as a version
//	      allow_date_tags: false          # let 3.19 move to 20240501
//	      group: databases
func (r reader) bump(n *yaml.Node) {
	r.p.Bump.OptedIn = true
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		r.bad(n, "bump must be a mapping with a rules list")
		return
	}
	r.fields(n, map[string]func(v *yaml.Node){
		"rules":               r.bumpRules,
		"schedule":            r.bumpSchedule,
		"pr_hourly_limit":     r.limit(&r.p.Bump.PRHourlyLimit),
		"pr_concurrent_limit": r.limit(&r.p.Bump.PRConcurrentLimit),
	})
}

func (r reader) bumpSchedule(n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		r.bad(n, "schedule must be a cron expression such as \"0 6 * * 1\"")
		return
	}
	s, err := cron.Parse(n.Value)
	if err != nil {
		r.bad(n, "%v; every scheduled run processes the repository", err)
		return
	}
	r.p.Bump.Schedule = s
}

// limit reads a count of pull requests: 0 or more, 0 meaning no limit.
func (r reader) limit(dst **int) func(v *yaml.Node) {
	return func(v *yaml.Node) {
		if n, ok := r.count(v, "no limit"); ok {
			*dst = &n
		}
	}
}

func (r reader) bumpRules(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		r.bad(n, "bump rules must be a list")
		return
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			r.bad(item, "a bump rule is a mapping with images and the options for them")
			continue
		}
		var rule bump.Rule
		r.fields(item, map[string]func(v *yaml.Node){
			"images": func(v *yaml.Node) {
				rule.Images = r.checked(v, func(s string) error { _, err := path.Match(s, ""); return err })
			},
			"update_types": func(v *yaml.Node) {
				types := r.checked(v, func(s string) error {
					return bump.SelectOptions{AllowedTypes: []bump.UpdateType{bump.UpdateType(s)}}.Validate()
				})
				for _, t := range types {
					rule.UpdateTypes = append(rule.UpdateTypes, bump.UpdateType(t))
				}
			},
			"ignore_versions": func(v *yaml.Node) {
				rule.IgnoreVersions = r.checked(v, func(s string) error { return bump.SelectOptions{IgnoreTags: []string{s}}.Validate() })
			},
			"ignore":               r.flag(&rule.Ignore),
			"pin_digests":          r.flag(&rule.PinDigests),
			"allow_suffix_advance": r.flag(&rule.AllowSuffixAdvance),
			"allow_word_prefix":    r.flag(&rule.AllowWordPrefix),
			"allow_date_tags":      r.flag(&rule.AllowDateTags),
			"group": func(v *yaml.Node) {
				if v.Kind != yaml.ScalarNode || v.Value == "" {
					r.bad(v, "group must be a name")
					return
				}
				group := v.Value
				rule.Group = &group
			},
		})
		if len(rule.Images) == 0 {
			r.bad(item, "a bump rule needs images, a list of image name globs; the rule is ignored")
			continue
		}
		r.p.Bump.Rules = append(r.p.Bump.Rules, rule)
	}
}

// checked reads a list of strings and checks each; one bad value drops the
// key, so its default applies.
func (r reader) checked(n *yaml.Node, check func(string) error) []string {
	list, ok := r.strings(n)
	if !ok {
		return nil
	}
	for i, s := range list {
		if err := check(s); err != nil {
			r.bad(n.Content[i], "%v; the key is ignored", err)
			return nil
		}
	}
	return list
}

func (r reader) flag(dst **bool) func(v *yaml.Node) {
	return func(v *yaml.Node) {
		var b bool
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil {
			r.bad(v, "expected true or false, not %q", v.Value)
			return
		}
		*dst = &b
	}
}
