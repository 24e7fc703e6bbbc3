package compose

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"
)

// standInImage is the image a stand-in service gets while Compose's
// consistency checks run; the model the rules read never holds it.
const standInImage = "composeguard-stand-in"

// gap is something a project uses that another file, or the platform,
// must supply: a network, volume, secret or config no file of the project
// declares, a service that depends on one it does not define, a service
// with neither image nor build.
type gap struct {
	kind    string // network, volume, secret, config, service or image
	name    string // what is missing; for image, the service
	service string // the service that uses it
	pos     Position
}

// standIns loads a project Compose rejects on its own as a fragment of a
// larger deployment. Unknown variables get stand-in values (placeholder.go),
// and what another file would declare gets a stand-in too, so every rule
// still runs; each gap is reported once, as compose-incomplete, at the line
// that uses it. What Compose rejects even then (syntax, schema, impossible
// values) stays compose-invalid, reported with Compose's own error.
func (p *Project) standIns(ctx context.Context, details types.ConfigDetails, l *refScanner, root string, strict error) *types.Project {
	rejected := func(err error) *types.Project {
		p.invalid(p.errorPos(err, root), "Compose rejects this project: %s", cleanMessage(err.Error(), root))
		return nil
	}
	vars := p.placeholders()
	with := func(d types.ConfigDetails, vars map[string]string) types.ConfigDetails {
		d.Environment = types.Mapping(p.Env).Clone().Merge(vars)
		return d
	}
	withVars := with(details, vars)
	if len(vars) > 0 {
		if model, err := p.compose(ctx, withVars, l, root, true); err == nil {
			if p.fragment() {
				p.reportFragment()
			} else {
				p.reportVariables(strict, root, vars, func(vars map[string]string) error {
					_, err := p.compose(ctx, with(details, vars), l, root, true)
					return err
				})
			}
			return model
		}
	}
	model, err := p.compose(ctx, withVars, l, root, false)
	if err != nil {
		return rejected(strict)
	}
	gaps := p.gaps(model)
	if len(gaps) == 0 {
		return rejected(strict)
	}
	for _, g := range gaps {
		if g.kind != "image" && !declarable.MatchString(g.name) {
			hint := ""
			if g.kind == "volume" {
				hint = "; a host folder is written as a path starting with ./ or /"
			}
			p.Problems = append(p.Problems, Problem{Rule: RuleInvalid, Pos: g.pos, Service: g.service,
				Message: fmt.Sprintf("%s %q cannot be declared by any file: names allow only letters, digits, '.', '_' and '-'%s", g.kind, g.name, hint)})
			return nil
		}
	}
	// Compose's consistency checks still run, on the project completed
	// with stand-ins: a value impossible in any combination is invalid.
	standIn := types.ConfigFile{Filename: filepath.Join(root, p.Dir, "composeguard-stand-ins.yaml"), Content: standInFile(gaps)}
	check := func(d types.ConfigDetails) error {
		d.ConfigFiles = append(slices.Clip(d.ConfigFiles), standIn)
		_, err := p.compose(ctx, d, l, root, true)
		return err
	}
	varsNeeded := check(details)
	if varsNeeded != nil {
		if len(vars) == 0 {
			return rejected(varsNeeded)
		}
		if err := check(withVars); err != nil {
			return rejected(err)
		}
	}
	if p.fragment() {
		p.reportFragment()
	} else {
		for _, g := range gaps {
			p.Problems = append(p.Problems, Problem{Rule: RuleIncomplete, Pos: g.pos, Service: g.service, Message: g.message()})
		}
		if varsNeeded != nil {
			p.reportVariables(varsNeeded, root, vars, func(vars map[string]string) error { return check(with(details, vars)) })
		}
	}
	fillGaps(model, gaps)
	return model
}

// declarable is the name Compose accepts for a top-level network, volume,
// secret, config or service.
var declarable = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// gaps lists what the services of a model loaded without consistency
// checks use and no file of the project supplies, each once, at its first
// use.
func (p *Project) gaps(m *types.Project) []gap {
	var out []gap
	seen := map[string]bool{}
	add := func(g gap) {
		if k := g.kind + "\x00" + g.name; !seen[k] {
			seen[k] = true
			out = append(out, g)
		}
	}
	defined := func(name string) bool {
		_, on := m.Services[name]
		_, off := m.DisabledServices[name]
		return on || off
	}
	for _, name := range slices.Sorted(maps.Keys(m.Services)) {
		s := m.Services[name]
		if s.Image == "" && s.Build == nil && s.Provider == nil {
			add(gap{kind: "image", name: name, service: name, pos: p.ServicePos(name)})
		}
		for _, n := range slices.Sorted(maps.Keys(s.Networks)) {
			if _, ok := m.Networks[n]; !ok {
				add(gap{kind: "network", name: n, service: name, pos: p.refPos(name, n, "networks")})
			}
		}
		for _, v := range s.Volumes {
			if _, ok := m.Volumes[v.Source]; v.Type == types.VolumeTypeVolume && v.Source != "" && !ok {
				add(gap{kind: "volume", name: v.Source, service: name, pos: p.refPos(name, v.Source, "volumes")})
			}
		}
		for _, sec := range s.Secrets {
			if _, ok := m.Secrets[sec.Source]; !ok {
				add(gap{kind: "secret", name: sec.Source, service: name, pos: p.refPos(name, sec.Source, "secrets")})
			}
		}
		if s.Build != nil {
			for _, sec := range s.Build.Secrets {
				if _, ok := m.Secrets[sec.Source]; !ok {
					add(gap{kind: "secret", name: sec.Source, service: name, pos: p.refPos(name, sec.Source, "build", "secrets")})
				}
			}
		}
		for _, c := range s.Configs {
			if _, ok := m.Configs[c.Source]; !ok {
				add(gap{kind: "config", name: c.Source, service: name, pos: p.refPos(name, c.Source, "configs")})
			}
		}
		for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
			if !defined(dep) {
				add(gap{kind: "service", name: dep, service: name, pos: p.refPos(name, dep, "depends_on")})
			}
		}
		if dep, ok := strings.CutPrefix(s.NetworkMode, types.ServicePrefix); ok && !defined(dep) {
			add(gap{kind: "service", name: dep, service: name, pos: p.Where(name, "network_mode")})
		}
	}
	return out
}

func (g gap) message() string {
	switch g.kind {
	case "image":
		return fmt.Sprintf("service %q has neither image nor build here: another file must supply them; its other settings are checked", g.name)
	case "service":
		return fmt.Sprintf("service %q is not defined in this project, but %s depends on it: another file must define it", g.name, g.service)
	}
	use := map[string]string{"network": "joins", "volume": "mounts", "secret": "uses", "config": "uses"}[g.kind]
	return fmt.Sprintf("%s %q is not declared in this project, but %s %s it: another file or the platform must declare it; checked as an external %s",
		g.kind, g.name, g.service, use, g.kind)
}

// standInFile declares what the gaps miss, as one more compose file (JSON
// is YAML), so Compose's consistency checks can run on the rest.
func standInFile(gaps []gap) []byte {
	doc := map[string]map[string]any{}
	put := func(section, name string, v any) {
		if doc[section] == nil {
			doc[section] = map[string]any{}
		}
		doc[section][name] = v
	}
	for _, g := range gaps {
		switch g.kind {
		case "image", "service":
			put("services", g.name, map[string]any{"image": standInImage})
		default:
			put(g.kind+"s", g.name, map[string]any{"external": true})
		}
	}
	b, _ := json.Marshal(doc)
	return b
}

// fillGaps declares the missing networks, volumes, secrets and configs in
// the model as external ones: supplied from outside the project, which is
// what the rules must assume of them. Images stay empty and references to
// services stay dangling, as the files wrote them.
func fillGaps(m *types.Project, gaps []gap) {
	for _, g := range gaps {
		switch g.kind {
		case "network":
			declare(&m.Networks, g.name, types.NetworkConfig{Name: g.name, External: true})
		case "volume":
			declare(&m.Volumes, g.name, types.VolumeConfig{Name: g.name, External: true})
		case "secret":
			declare(&m.Secrets, g.name, types.SecretConfig{Name: g.name, External: true})
		case "config":
			declare(&m.Configs, g.name, types.ConfigObjConfig{Name: g.name, External: true})
		}
	}
}

func declare[M ~map[string]V, V any](m *M, name string, v V) {
	if *m == nil {
		*m = M{}
	}
	(*m)[name] = v
}

// refPos is the line where a service names something under keys: the key
// of a mapping (networks: {proxy: …}), or the list item that names it
// (short "name:/target" or long form's source), else the keys' own line.
func (p *Project) refPos(service, name string, keys ...string) Position {
	for _, l := range p.LocateAll(service, keys...) {
		switch l.Value.Kind {
		case yaml.MappingNode:
			if k, _ := lookup(l.Value, name); k != nil {
				return l.Src.pos(k)
			}
		case yaml.SequenceNode:
			for _, it := range l.Value.Content {
				if it = Resolve(it); it == nil {
					continue
				}
				ref := it.Value
				if it.Kind == yaml.MappingNode {
					_, src := lookup(it, "source")
					if src = Resolve(src); src == nil {
						continue
					}
					ref = src.Value
				}
				if v := p.Interpolate(ref); v == name || strings.HasPrefix(v, name+":") {
					return l.Src.pos(it)
				}
			}
		}
	}
	return p.Where(service, keys...)
}

// reportVariables reports, once, that Compose rejects the project without
// values for its unknown variables, with the stand-ins vars, at a line
// using one it needs: the line Compose's error err names when it uses a
// variable whose stand-in is not empty (as Compose's own value is), else
// the first use (outside free text, see uses) of the first variable, in
// file order, without whose stand-in loads fails; it names the variables
// of that line the load cannot do without. The platform sets them at
// deploy time, or they are missing.
func (p *Project) reportVariables(err error, root string, vars map[string]string, load func(vars map[string]string) error) {
	standing := func(text string) []string {
		var names []string
		for _, r := range Variables(text) {
			// ${VAR:-value} has a value without VAR: it needs nothing.
			if vars[r.Name] != "" && !(r.HasDefault() && r.Arg != "") && !slices.Contains(names, r.Name) {
				names = append(names, r.Name)
			}
		}
		return names
	}
	pos := p.errorPos(err, root)
	names := standing(p.Line(pos))
	if len(names) == 0 {
		for _, use := range p.uses(standing) {
			without := maps.Clone(vars)
			without[use.name] = ""
			if load(without) != nil {
				pos, names = use.pos, standing(use.value)
				break
			}
		}
	}
	if len(names) == 0 {
		names = slices.Sorted(maps.Keys(vars))
	}
	if len(names) > 1 {
		// Name only the variables the file cannot do without: in
		// "${HOST_PORT}:${PORT}" an empty host port is a random one.
		needed := slices.DeleteFunc(slices.Clone(names), func(name string) bool {
			without := maps.Clone(vars)
			without[name] = ""
			return load(without) == nil
		})
		if len(needed) > 0 {
			names = needed
		}
	}
	more := ""
	if len(names) > 3 {
		names, more = names[:3], ", …"
	}
	what := "a value for ${" + names[0] + "}, which has none in .env and no default: the platform must set it"
	if len(names) > 1 {
		what = "values for ${" + strings.Join(names, "}, ${") + "}" + more + ", which have none in .env and no default: the platform must set them"
	}
	p.Problems = append(p.Problems, Problem{Rule: RuleIncomplete, Pos: pos, Service: p.serviceAt(pos),
		Message: fmt.Sprintf("Compose rejects this file without %s at deploy time; checked with a stand-in value", what)})
}

// serviceAt names the service whose block holds a position, "" when the
// position is outside services.
func (p *Project) serviceAt(pos Position) string {
	src := p.Sources[pos.File]
	if src == nil {
		return ""
	}
	for _, d := range src.Docs {
		top := ""
		for i := 0; i+1 < len(d.Content) && d.Content[i].Line <= pos.Line; i += 2 {
			top = d.Content[i].Value
		}
		_, services := lookup(d, "services")
		if top != "services" || Resolve(services) == nil {
			continue
		}
		name := ""
		services = Resolve(services)
		for i := 0; i+1 < len(services.Content) && services.Content[i].Line <= pos.Line; i += 2 {
			name = services.Content[i].Value
		}
		return name
	}
	return ""
}

// use is the scalar that shows where a project needs a variable.
type use struct {
	name, value string
	pos         Position
}

// freeText are the keys whose values Compose passes on without reading
// them: an empty value there never makes it reject a file, so a variable's
// use there is not where Compose needs it (documenso's PORT=${DOCUMENSO_PORT}
// in environment, while an empty ${DOCUMENSO_PORT} in ports is rejected).
var freeText = map[string]bool{"environment": true, "labels": true, "annotations": true, "command": true,
	"entrypoint": true, "test": true, "options": true, "driver_opts": true}

// uses lists the variables vars picks from a value, at most maxProbes of
// them, in the order of their first use (included files first); each is
// at its first use outside free text, else at its first use.
func (p *Project) uses(vars func(value string) []string) []use {
	const maxProbes = 16
	var order []string
	first, parsed := map[string]use{}, map[string]bool{}
	for _, f := range p.layers {
		for _, d := range p.Sources[f].Docs {
			walkValues(d, false, 0, func(n *yaml.Node, free bool) {
				for _, name := range vars(n.Value) {
					u, seen := first[name]
					if !seen && len(order) == maxProbes {
						continue
					}
					if !seen {
						order = append(order, name)
					}
					if !seen || (!parsed[name] && !free) {
						u = use{name: name, value: n.Value, pos: p.Sources[f].pos(n)}
						first[name], parsed[name] = u, !free
					}
				}
			})
		}
	}
	out := make([]use, len(order))
	for i, name := range order {
		out[i] = first[name]
	}
	return out
}

// walkValues calls visit on every scalar value under n in document order
// (mapping keys are not values), telling whether it lies in free text.
// Aliases are not followed: the anchor's own text is visited where it is.
func walkValues(n *yaml.Node, free bool, depth int, visit func(n *yaml.Node, free bool)) {
	if n == nil || depth > MaxDepth {
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		visit(n, free)
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			walkValues(n.Content[i+1], free || freeText[n.Content[i].Value], depth+1, visit)
		}
	default:
		for _, c := range n.Content {
			walkValues(c, free, depth+1, visit)
		}
	}
}

// fragment reports whether the project is an override file with no main
// file: the grouping found none beside it or in a folder above.
func (p *Project) fragment() bool { return isOverride(p.Files[0]) }

// reportFragment reports a lone override once, at its services key.
func (p *Project) reportFragment() {
	pos := p.firstPos()
	for _, d := range p.Sources[p.Files[0]].Docs {
		if k, _ := lookup(d, "services"); k != nil {
			pos = p.Sources[p.Files[0]].pos(k)
			break
		}
	}
	p.Problems = append(p.Problems, Problem{Rule: RuleIncomplete, Pos: pos,
		Message: fmt.Sprintf("%s is an override file, but no main file it extends (one defining its services or networks) is beside it or in a folder above it in the repository: checked alone, without what the main file supplies", p.Files[0])})
}
