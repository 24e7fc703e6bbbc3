package checks

import (
	"path"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

var _ = register(&Rule{
	ID:          "hardcoded-secret",
	Category:    Secrets,
	Severity:    High,
	SeverityWhy: "Whoever can read the repository, a fork or a CI log has the credential, weak defaults (changeme) included; rotating it is the only fix.",
	Title:       "Secret written in the compose file",
	Why:         "A secret in a compose file is in git history, in every clone and fork, and in CI logs.",
	Fix:         "Take it from an uncommitted .env as ${VAR:?} or mount it as a Compose secret under /run/secrets.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			f := secretFinder{c: c, service: s.Name, seen: map[secretSeen]bool{}}
			f.pairs("environment", "environment")
			f.pairs("build.args", "build", "args")
			f.pairs("labels", "labels")
			f.command("command", "command")
			f.command("entrypoint", "entrypoint")
			f.command("healthcheck.test", "healthcheck", "test")
		}
	},
})

// secretFinder reads the raw YAML, not the model: compose-go has already
// replaced ${VAR} with its value, which would look like a literal.
type secretFinder struct {
	c       *Context
	service string
	seen    map[secretSeen]bool
}

type secretSeen struct {
	pos compose.Position
	msg string
}

func (f *secretFinder) report(pos compose.Position, keyPath, msg string) {
	if k := (secretSeen{pos, msg}); !f.seen[k] {
		f.seen[k] = true
		f.c.Report(Finding{Service: f.service, Pos: pos, KeyPath: keyPath, Message: msg})
	}
}

// pairs scans `KEY: value` mappings and `- KEY=value` lists in every file
// that writes them; a bare `- KEY` passes the host's value through.
func (f *secretFinder) pairs(keyPath string, keys ...string) {
	for _, l := range f.c.Project.LocateAll(f.service, keys...) {
		switch l.Value.Kind {
		case yaml.MappingNode:
			compose.Mapping(l.Value, func(k, v *yaml.Node) {
				if v = compose.Resolve(v); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
					f.pair(keyPath, k.Value, v.Value, nodePos(l.Src, v))
				}
			})
		case yaml.SequenceNode:
			for _, it := range l.Value.Content {
				if it = compose.Resolve(it); it != nil && it.Kind == yaml.ScalarNode {
					if name, value, ok := strings.Cut(it.Value, "="); ok {
						f.pair(keyPath, strings.TrimSpace(name), value, nodePos(l.Src, it))
					}
				}
			}
		}
	}
}

func (f *secretFinder) pair(keyPath, name, raw string, pos compose.Position) {
	switch inner := secretSetting(raw); {
	case secretIn(raw) != "":
		f.report(pos, keyPath, name+" "+secretIn(raw))
	case secretKey(name) && literalSecret(raw):
		f.report(pos, keyPath, name+" is a literal secret in "+keyPath)
	case inner != "":
		f.report(pos, keyPath, name+" holds a literal secret in its "+inner+"= setting")
	}
}

type cmdToken struct {
	text string
	pos  compose.Position
	// newCommand marks the first word of a script line that does not
	// continue the line before (no trailing \): no flag's value.
	newCommand bool
}

// command scans a command in string or list form, word by word.
func (f *secretFinder) command(keyPath string, keys ...string) {
	for _, l := range f.c.Project.LocateAll(f.service, keys...) {
		var toks []cmdToken
		add := func(n *yaml.Node) {
			if n = compose.Resolve(n); n == nil || n.Kind != yaml.ScalarNode {
				return
			}
			lines := strings.Split(n.Value, "\n")
			for i, line := range lines {
				pos := nodePos(l.Src, n)
				if n.Style&yaml.LiteralStyle != 0 {
					// a | script: its lines are the file's lines after the indicator
					pos.Line += 1 + i
				}
				for j, w := range strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), `\`)) {
					newCommand := j == 0 && i > 0 && !strings.HasSuffix(strings.TrimSpace(lines[i-1]), `\`)
					toks = append(toks, cmdToken{strings.Trim(w, `"'`), pos, newCommand})
				}
			}
		}
		add(l.Value)
		if l.Value.Kind == yaml.SequenceNode {
			for _, it := range l.Value.Content {
				add(it)
			}
		}
		f.tokens(keyPath, toks)
	}
}

// redisSecretFlags set Redis passwords; their names hold no secret word.
var redisSecretFlags = map[string]bool{"requirepass": true, "masterauth": true}

func (f *secretFinder) tokens(keyPath string, toks []cmdToken) {
	// mysql -pPASS and redis-cli -a PASS are the short flags healthchecks use.
	tool := ""
	for _, t := range toks {
		switch base := path.Base(t.text); {
		case strings.HasPrefix(base, "mysql") || strings.HasPrefix(base, "mariadb"):
			tool = "mysql"
		case base == "redis-cli":
			tool = "redis-cli"
		}
	}
	for i, t := range toks {
		if what := secretIn(t.text); what != "" {
			f.report(t.pos, keyPath, keyPath+" "+what)
			continue
		}
		name, value, hasValue := strings.Cut(t.text, "=")
		if hasValue && strings.ContainsAny(value, "()") {
			continue // code of another language in a script (JSON.stringify(key)), not a shell word
		}
		flag := strings.TrimLeft(name, "-")
		isFlag := (strings.HasPrefix(name, "-") && secretFlag(flag)) || redisSecretFlags[flag]
		switch {
		case hasValue:
			// --password=PASS, or PASSWORD=PASS set for one shell command
			if (isFlag || secretKey(name)) && literalSecret(value) {
				f.report(t.pos, keyPath, keyPath+" passes a literal secret to "+name)
			}
		case tool == "mysql" && strings.HasPrefix(t.text, "-p") && len(t.text) > 2:
			if literalSecret(t.text[2:]) {
				f.report(t.pos, keyPath, keyPath+" passes a literal secret to -p")
			}
		case (isFlag || (tool == "redis-cli" && name == "-a")) && i+1 < len(toks):
			if next := toks[i+1]; !next.newCommand && !strings.HasPrefix(next.text, "-") && literalSecret(next.text) {
				f.report(next.pos, keyPath, keyPath+" passes a literal secret to "+name)
			}
		}
	}
}
