package checks

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

var _ = register(&Rule{
	ID:          "env-example-missing-var",
	Category:    Secrets,
	Severity:    Low,
	SeverityWhy: "A documentation gap: the next operator may start with an empty value, which most images refuse loudly.",
	Title:       "Variable missing from .env.example",
	Why:         "The next operator cannot know what to set, and a missing variable silently becomes an empty string.",
	Fix:         "List the variable in .env.example beside the compose file (with an empty or sample value), or give it a default.",
	Run: func(c *Context) {
		listed, example := exampleVars(c)
		var missing []varUse
		for _, u := range requiredVars(c) {
			if !listed[u.name] {
				missing = append(missing, u)
			}
		}
		if len(missing) == 0 {
			return
		}
		if example == "" {
			// one finding for the missing file, not one per variable
			names := make([]string, 0, len(missing))
			for _, u := range missing {
				names = append(names, "${"+u.name+"}")
			}
			if len(names) > 5 {
				names = append(names[:5], "…")
			}
			c.Report(Finding{Pos: missing[0].pos, KeyPath: ".env.example",
				Message: fmt.Sprintf("no .env.example lists the variables used without a default (%d): %s", len(missing), strings.Join(names, ", "))})
			return
		}
		for _, u := range missing {
			c.Report(Finding{Pos: u.pos, KeyPath: u.name, Message: "${" + u.name + "} has no default and is not listed in " + example})
		}
	},
})

// exampleNames are the files that document a project's variables.
var exampleNames = []string{".env.example", ".env.sample", ".env.template"}

// commentedVar is an entry kept as documentation: #SMTP_PASSWORD=
var commentedVar = regexp.MustCompile(`(?m)^\s*#\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=`)

// exampleVars returns the variables the example files beside the compose
// file list, and the name of the first one found ("" when there is none).
func exampleVars(c *Context) (map[string]bool, string) {
	listed := map[string]bool{}
	first := ""
	for _, name := range exampleNames {
		b, err := c.Project.Snapshot.ReadFile(path.Join(c.Project.Dir, name))
		if err != nil {
			continue
		}
		if first == "" {
			first = name
		}
		env, _ := dotenv.ParseWithLookup(bytes.NewReader(b), func(string) (string, bool) { return "", false })
		for k := range env {
			listed[k] = true
		}
		for _, m := range commentedVar.FindAllSubmatch(b, -1) {
			listed[string(m[1])] = true
		}
	}
	return listed, first
}

type varUse struct {
	name string
	pos  compose.Position
}

// requiredVars lists, at its first use, each variable the project's files
// read with no default (${X}, $X) or as required (${X:?msg}); ${X:+alt} is
// optional by design.
func requiredVars(c *Context) []varUse {
	files := slices.Clone(c.Project.Files)
	for _, f := range slices.Sorted(maps.Keys(c.Project.Sources)) {
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	var out []varUse
	done := map[string]bool{}
	for _, f := range files {
		src := c.Project.Sources[f]
		seen := map[*yaml.Node]bool{}
		for _, d := range src.Docs {
			walkValues(d, "", seen, func(n *yaml.Node, _ string) {
				for _, ref := range compose.Variables(n.Value) {
					if (ref.Op == "" || ref.Op == ":?" || ref.Op == "?") && ref.Name != "" && !done[ref.Name] {
						done[ref.Name] = true
						out = append(out, varUse{ref.Name, nodePos(src, n)})
					}
				}
			})
		}
	}
	return out
}
