package checks

import (
	"regexp"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// settingWords, after a secret word, make a name describe the secret rather
// than hold it (PASSWORD_MIN_LENGTH, AUTH_METHOD, TOKEN_TTL, AUTH_URL).
var settingWords = map[string]bool{
	"MIN": true, "MAX": true, "MINIMUM": true, "MAXIMUM": true, "LENGTH": true, "LEN": true, "SIZE": true,
	"COUNT": true, "ATTEMPTS": true, "RETRIES": true, "TTL": true, "TIMEOUT": true, "EXPIRY": true,
	"EXPIRE": true, "EXPIRES": true, "EXPIRATION": true, "LIFETIME": true, "AGE": true, "ROUNDS": true,
	"ITERATIONS": true, "COST": true, "ENABLED": true, "ENABLE": true, "DISABLED": true, "DISABLE": true,
	"REQUIRED": true, "POLICY": true, "METHOD": true, "METHODS": true, "MODE": true, "TYPE": true,
	"PROVIDER": true, "BACKEND": true, "STRATEGY": true, "URL": true, "URI": true, "HOST": true,
	"HOSTNAME": true, "ENDPOINT": true, "SERVER": true, "DOMAIN": true, "PORT": true, "USER": true,
	"USERNAME": true, "USERS": true, "HEADER": true, "NAME": true, "ID": true, "REALM": true, "ISSUER": true,
	"AUDIENCE": true, "SCOPE": true, "SCOPES": true, "ALGORITHM": true, "DIR": true, "FILE": true, "PATH": true,
}

// secretKey reports whether a variable or label name holds a secret: a
// secret word as a part of the name, unless a word after it makes the name a
// setting about the secret (TOKEN_EXPIRY_TIME, AUTH_URL).
func secretKey(name string) bool {
	tail, ok := secretTail(name)
	return ok && !slices.ContainsFunc(tail, func(p string) bool { return settingWords[p] })
}

// secretFlag reports whether a command-line flag takes a secret: its name
// ends in a secret word (--password, --api-key, but not --no-auth-warning).
func secretFlag(name string) bool {
	tail, ok := secretTail(name)
	return ok && len(tail) == 0
}

// secretTail returns the name parts after its last secret word, and whether
// it has one.
func secretTail(name string) ([]string, bool) {
	upper := strings.ToUpper(name)
	if oneWordSecrets[upper] {
		return nil, true
	}
	if !secretName(name) {
		return nil, false
	}
	parts := strings.FieldsFunc(upper, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	// the last secret word starts where the shortest suffix holding one does
	start := len(parts) - 1
	for start > 0 && !secretName(strings.Join(parts[start:], "_")) {
		start--
	}
	end := start + 1
	for end < len(parts) && !secretName(strings.Join(parts[start:end], "_")) {
		end++
	}
	return parts[end:], true
}

// oneWordSecrets are client variables whose secret word is not a part of
// their name.
var oneWordSecrets = map[string]bool{"PGPASSWORD": true, "MYSQL_PWD": true}

// notSecretValues are values a secret-named key commonly holds that are a
// mode, not a secret (AUTH=basic, REDIS_AUTH=none).
var notSecretValues = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "0": true, "1": true,
	"none": true, "null": true, "basic": true, "bearer": true, "digest": true, "ldap": true, "oidc": true,
	"oauth": true, "oauth2": true, "saml": true, "jwt": true, "trust": true, "md5": true, "disabled": true,
	"enabled": true, "internal": true, "external": true, "htpasswd": true,
}

// placeholder matches values that cannot work as the secret and only ask to
// be filled in: <TOKEN>, YOUR-API-TOKEN, your_password_here, YourApiKey,
// sk-xxxx. A weak default that works (changeme) is not one.
var placeholder = regexp.MustCompile(`(?i:^<[^<>]*>$|(^|[\W_])(your|x{3,})([\W_]|$))|^Your[A-Z]`)

// filePath matches a value that names a file (/run/secrets/db, ./key.pem)
// rather than holding the secret: two path segments at least.
var filePath = regexp.MustCompile(`^(~|\.{1,2})?/[\w.-]+/[\w./-]*$|^(~|\.{1,2})/[\w.-]+$`)

// literalSecret reports whether a raw value, as written in the file, is a
// secret spelled out: not empty, not a $ reference (Compose's, or the
// container shell's written $$VAR), not a mode word, file path or placeholder.
func literalSecret(raw string) bool {
	v := strings.Trim(strings.TrimSpace(raw), `"'`)
	return v != "" && !hasReference(v) && !notSecretValues[strings.ToLower(v)] && !filePath.MatchString(v) &&
		!placeholder.MatchString(v)
}

// reference is $NAME, ${ or $( once $$ escapes are undone, or a backquote:
// the value comes from .env or from the container at run time.
var reference = regexp.MustCompile("\\$[{(A-Za-z_]|`")

func hasReference(raw string) bool {
	return reference.MatchString(strings.ReplaceAll(raw, "$$", "$"))
}

// tokenShapes are credentials recognisable by their form whatever their name.
var tokenShapes = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"an AWS access key", regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`)},
	{"a GitHub token", regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})`)},
	{"a Slack token", regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`)},
}

// urlPassword finds scheme://user:password@ and captures the password.
var urlPassword = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*:([^\s/@]+)@`)

// secretIn explains what secret a raw value carries whatever its name: a
// known token shape or a URL with a literal password; "" when none.
func secretIn(raw string) string {
	for _, t := range tokenShapes {
		if t.re.MatchString(raw) {
			return "holds what looks like " + t.kind
		}
	}
	for _, m := range urlPassword.FindAllStringSubmatch(raw, -1) {
		if literalSecret(m[1]) {
			return "holds a URL with a literal password"
		}
	}
	return ""
}

// deref follows a YAML alias to its anchor.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 32; i++ {
		n = n.Alias
	}
	return n
}

// nodePos is a node's position in a source file.
func nodePos(src *compose.Source, n *yaml.Node) compose.Position {
	return compose.Position{File: src.Path, Line: n.Line, Column: n.Column}
}

// freeFormKeys hold maps whose keys are the user's names, not compose keys:
// a key path stops there, whether they are written as maps or lists.
var freeFormKeys = map[string]bool{"environment": true, "labels": true, "args": true, "annotations": true}

// walkValues calls fn on every scalar value under n with its key path
// (mapping keys are not interpolated), visiting each node once even when
// aliases repeat it.
func walkValues(n *yaml.Node, keyPath string, seen map[*yaml.Node]bool, fn func(n *yaml.Node, keyPath string)) {
	n = deref(n)
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	switch n.Kind {
	case yaml.ScalarNode:
		fn(n, keyPath)
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			p, k := keyPath, n.Content[i-1]
			if k.Tag != "!!merge" && k.Value != "<<" && !freeFormKeys[keyPath[strings.LastIndex(keyPath, ".")+1:]] {
				p = strings.TrimPrefix(keyPath+"."+k.Value, ".")
			}
			walkValues(n.Content[i], p, seen, fn)
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			walkValues(item, keyPath, seen, fn)
		}
	}
}
