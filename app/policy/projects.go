package policy

import (
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// projects reads the projects: section, compose projects made of several
// files, loaded together as `docker compose -f a -f b` would:
//
//	projects:
//	  - files: [compose.yaml, compose.prod.yaml]            # one project
//	  - files: [common/networks.yml, "apps/*/compose.yml"]  # one project per app,
//	    each: "apps/*/compose.yml"                          # each with the shared file
//
// Paths and globs are relative to the repository root. A declaration with a
// bad value is reported at its line and left out; one whose glob matches no
// file is reported when a repository is audited (app/audit).
func (r reader) projects(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		r.bad(n, "projects must be a list of projects, each with files (and optionally each)")
		return
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			r.bad(item, "a project is a mapping with files, a list of paths or globs, and optionally each, one of those globs")
			continue
		}
		spec := compose.Spec{Pos: r.pos(item)}
		ok := true
		r.fields(item, map[string]func(v *yaml.Node){
			"files": func(v *yaml.Node) {
				list, good := r.strings(v)
				for i, g := range list {
					if list[i], good = r.repoPath(v.Content[i], g); !good {
						break
					}
				}
				ok = ok && good
				spec.Files = list
			},
			"each": func(v *yaml.Node) {
				if v.Kind != yaml.ScalarNode {
					r.bad(v, "each must be one glob, such as \"apps/*/compose.yml\"")
					ok = false
					return
				}
				var good bool
				spec.Each, good = r.repoPath(v, v.Value)
				ok = ok && good
			},
		})
		if ok && len(spec.Files) == 0 {
			r.bad(item, "a project needs files: the paths or globs of the files loaded together, in order")
			ok = false
		}
		if ok {
			r.p.Projects = append(r.p.Projects, spec)
		}
	}
}

// repoPath checks a path or glob relative to the repository root; a leading
// ./ is dropped.
func (r reader) repoPath(n *yaml.Node, g string) (string, bool) {
	g = strings.TrimPrefix(g, "./")
	if !compose.Inside(g) || strings.Contains(g, `\`) {
		r.bad(n, "%q: project files are paths or globs inside the repository, relative to its root, without .. or a leading /", n.Value)
		return "", false
	}
	return g, true
}
