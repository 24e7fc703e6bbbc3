package checks

import (
	"regexp"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

var _ = register(&Rule{
	ID:          "secret-default-in-interpolation",
	Category:    Secrets,
	Severity:    Medium,
	SeverityWhy: "The literal ships only when the variable is missing, but then it is the live password, and it is public in git.",
	Title:       "Secret variable falls back to a literal value",
	Why:         "The fallback ships as the real password whenever .env misses the key, and it is in git for anyone to read.",
	Fix:         "Require the variable instead: ${DB_PASSWORD:?set DB_PASSWORD in .env}.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			seen := map[*yaml.Node]bool{}
			for _, l := range c.Project.LocateAll(s.Name) {
				walkValues(l.Value, "", seen, func(n *yaml.Node, keyPath string) {
					secretDefaults(c, s.Name, keyPath, nodePos(l.Src, n), n.Value)
				})
			}
		}
	},
})

func secretDefaults(c *Context, service, keyPath string, pos compose.Position, raw string) {
	done := map[string]bool{}
	for _, ref := range compose.Variables(raw) {
		if ref.Op == "" || ref.Op == ":?" || ref.Op == "?" || !secretKey(ref.Name) || !literalSecret(ref.Arg) || done[ref.Name] {
			continue
		}
		done[ref.Name] = true
		f := Finding{Service: service, Pos: pos, KeyPath: keyPath,
			Message: "${" + ref.Name + "} falls back to a literal value when it is not set"}
		if !ref.HasDefault() {
			f.Message = "${" + ref.Name + ref.Op + "…} puts a literal value in place of " + ref.Name
		}
		c.Report(f)
	}
	for _, m := range shellDefault.FindAllStringSubmatch(raw, -1) {
		if name := m[1]; secretKey(name) && literalSecret(m[2]) && !done["$"+name] {
			done["$"+name] = true
			c.Report(Finding{Service: service, Pos: pos, KeyPath: keyPath,
				Message: "$${" + name + "} falls back to a literal value in the container's shell when it is not set",
				Fix:     "Drop the fallback ($${" + name + ":?}) and give the container " + name + " from .env or a Compose secret."})
		}
	}
}

// shellDefault finds $${VAR:-value}, $${VAR-value} and the := and =
// forms: Compose hands ${VAR:-value} to the container's shell, which uses
// the literal whenever the container has no VAR.
var shellDefault = regexp.MustCompile(`\$\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=]([^}]*)\}`)
