package checks

import (
	"bytes"
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
	ID:          "dotenv-committed",
	Category:    Secrets,
	Severity:    High,
	SeverityWhy: "Everyone with the repository has the secret, and it stays in git history after the file is removed: only rotation fixes it.",
	Title:       "Secret committed in an env file",
	Why:         "A .env or env_file holds the real secrets; once committed they are in git history and every clone.",
	Fix:         "Remove the file from git (git rm --cached, .gitignore it) and commit a .env.example with empty values.",
	Run: func(c *Context) {
		seen := map[string]bool{}
		for _, f := range envFiles(c) {
			if seen[f] || exampleFile(f) {
				continue
			}
			seen[f] = true
			b, err := c.Project.Snapshot.ReadFile(f)
			if err != nil {
				continue
			}
			// no lookup: a value made only of ${VAR} is empty, not a secret
			env, err := dotenv.ParseWithLookup(bytes.NewReader(b), func(string) (string, bool) { return "", false })
			if err != nil {
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(env)) {
				if secretKey(k) && literalSecret(env[k]) {
					c.Report(Finding{Pos: compose.Position{File: f, Line: envLine(b, k), Column: 1}, KeyPath: k,
						Message: k + " has a value in " + path.Base(f) + ": once committed, it is in git history and every clone"})
				}
			}
		}
	},
})

// envFiles lists the project .env, then every env_file target, each
// resolved from the file that names it.
func envFiles(c *Context) []string {
	out := []string{path.Join(c.Project.Dir, ".env")}
	for _, s := range c.Services() {
		for _, l := range c.Project.LocateAll(s.Name, "env_file") {
			refs := []*yaml.Node{l.Value}
			if l.Value.Kind == yaml.SequenceNode {
				refs = l.Value.Content
			}
			for _, r := range refs {
				if r = compose.Resolve(r); r != nil && r.Kind == yaml.MappingNode {
					r = mapField(r, "path")
				}
				if r == nil || r.Kind != yaml.ScalarNode {
					continue
				}
				if f, err := compose.ResolveRef(path.Dir(l.Src.Path), c.Project.Interpolate(r.Value)); err == nil {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// exampleFile reports whether an env file documents variables rather than
// holding them: .env.example, env.sample, app.env.template.
func exampleFile(p string) bool {
	base := strings.ToLower(path.Base(p))
	return strings.Contains(base, "example") || strings.Contains(base, "sample") || strings.Contains(base, "template")
}

// envLine finds the line that sets key in a dotenv file, 1 when not found.
func envLine(content []byte, key string) int {
	re := regexp.MustCompile(`^\s*(export\s+)?` + regexp.QuoteMeta(key) + `\s*[=:]`)
	for i, line := range strings.Split(string(content), "\n") {
		if re.MatchString(line) {
			return i + 1
		}
	}
	return 1
}
