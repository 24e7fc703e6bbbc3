package checks

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/composeguard/composeguard/app/compose"
	"go.yaml.in/yaml/v3"
)

// secretWords are the name words that mark a value as a secret: the
// password spellings (DB_PWD, ADMIN_PW, MONGO_PASS), keys and salts
// (APP_KEY, SECRET_KEY_BASE, AUTH_SALT), tokens and credentials.
var secretWords = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "PASS": true, "PWD": true, "PW": true, "PASSPHRASE": true,
	"SECRET": true, "SECRETS": true, "TOKEN": true, "APIKEY": true, "KEY": true, "KEYS": true,
	"PRIVATEKEY": true, "SALT": true, "CREDENTIAL": true, "CREDENTIALS": true, "AUTH": true,
}

// secretEndings are secret words that also end a longer word: Pi-hole's
// WEBPASSWORD, ROOTPASSWORD, CLIENTSECRET, APITOKEN.
var secretEndings = []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY"}

// settingWords, after the last secret word, make a name describe the secret
// rather than hold it (PASSWORD_MIN_LENGTH, MAILCOW_PASS_SCHEME, TOKEN_TTL,
// AUTH_URL, KEY_FILE, BASIC_AUTH_USER).
var settingWords = map[string]bool{
	"MIN": true, "MAX": true, "MINIMUM": true, "MAXIMUM": true, "LENGTH": true, "LEN": true, "SIZE": true,
	"BITS": true, "COUNT": true, "ATTEMPTS": true, "RETRIES": true, "LIMIT": true, "RATE": true, "TTL": true,
	"TIMEOUT": true, "EXPIRY": true, "EXPIRE": true, "EXPIRES": true, "EXPIRATION": true, "LIFETIME": true,
	"AGE": true, "INTERVAL": true, "DURATION": true, "PERIOD": true, "DAYS": true, "HOURS": true,
	"MINUTES": true, "SECONDS": true, "ROUNDS": true, "ITERATIONS": true, "COST": true, "ENABLED": true,
	"ENABLE": true, "DISABLED": true, "DISABLE": true, "REQUIRED": true, "POLICY": true, "METHOD": true,
	"METHODS": true, "MODE": true, "TYPE": true, "PROVIDER": true, "BACKEND": true, "DRIVER": true,
	"STRATEGY": true, "SCHEME": true, "SCHEMES": true, "ALGORITHM": true, "ALGORITHMS": true, "ALGO": true,
	"CIPHER": true, "ENCODING": true, "ENCODER": true, "FORMAT": true, "PREFIX": true, "SUFFIX": true,
	"VERSION": true, "URL": true, "URI": true, "HOST": true, "HOSTNAME": true, "ENDPOINT": true,
	"SERVER": true, "DOMAIN": true, "PORT": true, "USER": true, "USERNAME": true, "USERS": true,
	"LOGIN": true, "EMAIL": true, "HEADER": true, "NAME": true, "ID": true, "REALM": true, "ISSUER": true,
	"AUDIENCE": true, "SCOPE": true, "SCOPES": true, "DIR": true, "FILE": true, "PATH": true,
	"LOCATION": true, "STORE": true, "STORAGE": true, "HEADERS": true, "SOURCE": true, "MECHANISM": true,
}

// publicKeyWords before KEY name a key that is meant to be seen: a public
// or publishable key, a site or anonymous client key, an access key id, an
// OAuth client or consumer key (the client's id; its secret is separate).
var publicKeyWords = map[string]bool{"PUBLIC": true, "PUB": true, "PUBLISHABLE": true, "SITE": true,
	"ANON": true, "ACCESS": true, "CLIENT": true, "CONSUMER": true}

// shellNames are variables the shell sets whose names only look secret.
var shellNames = map[string]bool{"PWD": true, "OLDPWD": true}

// nameWords splits a variable, label or flag name into upper-case words at
// _, -, . and where lower case turns upper (adminPassword, apiKey).
func nameWords(name string) []string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) && unicode.IsLower(rune(name[i-1])) {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.FieldsFunc(strings.ToUpper(b.String()), func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ' ' })
}

// isSecretWord reports whether a name word is, or ends in, a secret word.
func isSecretWord(w string) bool {
	return secretWords[w] || slices.ContainsFunc(secretEndings, func(e string) bool { return strings.HasSuffix(w, e) })
}

// secretKey reports whether a variable or label name holds a secret: a
// secret word is one of its words, no setting word follows the last one,
// and a KEY is not a public one (VAPID_PUBLIC_KEY, S3_ACCESS_KEY; but
// AWS_SECRET_ACCESS_KEY has SECRET before it).
func secretKey(name string) bool {
	words := nameWords(name)
	if shellNames[strings.Join(words, "_")] {
		return false
	}
	last := lastSecretWord(words)
	if last < 0 || slices.ContainsFunc(words[last+1:], func(w string) bool { return settingWords[w] }) {
		return false
	}
	if words[last] == "KEY" && last > 0 && publicKeyWords[words[last-1]] {
		return lastSecretWord(words[:last-1]) >= 0
	}
	return true
}

// secretFlag reports whether a command-line flag takes a secret: its last
// word is a secret word (--password, --api-key, but not --no-auth-warning
// or --key-file).
func secretFlag(name string) bool {
	words := nameWords(name)
	return len(words) > 0 && lastSecretWord(words) == len(words)-1 && secretKey(name)
}

// lastSecretWord is the index of the last secret word of a name, -1 when
// it has none.
func lastSecretWord(words []string) int {
	for i := len(words) - 1; i >= 0; i-- {
		if isSecretWord(words[i]) {
			return i
		}
	}
	return -1
}

// notSecretValues are values a secret-named key commonly holds that are a
// mode, a sentinel or an algorithm's name, not a secret (AUTH=basic,
// REDIS_AUTH=none, API_KEY=invalid to keep an API off, LibreChat's
// user_provided, PASSWORD_HASH=bcrypt).
var notSecretValues = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "0": true, "1": true,
	"none": true, "null": true, "nil": true, "undefined": true, "unset": true, "invalid": true,
	"user_provided": true, "auto": true, "basic": true, "bearer": true, "digest": true, "ldap": true,
	"oidc": true, "oauth": true, "oauth2": true, "saml": true, "jwt": true, "trust": true, "disabled": true,
	"enabled": true, "internal": true, "external": true, "htpasswd": true, "plain": true, "login": true,
	"md5": true, "sha1": true, "sha256": true, "sha512": true, "bcrypt": true, "scrypt": true,
	"pbkdf2": true, "argon2": true, "argon2i": true, "argon2id": true, "crypt": true, "ssha": true,
	"ssha256": true, "ssha512": true, "blf-crypt": true, "md5-crypt": true, "sha256-crypt": true,
	"sha512-crypt": true, "cram-md5": true, "scram-sha-256": true, "hs256": true, "hs384": true,
	"hs512": true, "rs256": true, "rs384": true, "rs512": true, "es256": true, "es384": true, "es512": true,
	"eddsa": true, "[]": true, "{}": true,
}

// placeholder matches values that cannot work as the secret and only ask to
// be filled in: <TOKEN>, {{ token }}, YOUR-API-TOKEN, your_password_here,
// YourApiKey, sk-xxxx, ********. A weak default that works (changeme,
// changeit, password) is a secret: it is what ships when nobody edits it,
// and the first thing anyone tries.
var placeholder = regexp.MustCompile(`(?i:^<[^<>]*>$|^\{\{.*\}\}$|^\*{3,}$|(^|[\W_])(your|x{3,})([\W_]|$))|^Your[A-Z]`)

// filePath matches a value that names a file (/run/secrets/db, ./key.pem,
// Symfony's %kernel.project_dir%/config/jwt/private.pem, private.key)
// rather than holding the secret: two path segments at least, or a file
// name with a key or certificate extension.
var filePath = regexp.MustCompile(`^(~|\.{1,2}|%[\w.-]+%)?/[\w.-]+/[\w./-]*$|^(~|\.{1,2}|%[\w.-]+%)/[\w.-]+$|` +
	`(?i)^[\w.-]+\.(pem|key|crt|cer|der|p12|pfx|jks|keystore|asc|gpg)$`)

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

// innerSetting finds name=value settings inside a longer value: ADO.NET and
// libpq connection strings (Server=db;Password=x, host=db password=x), URL
// queries (?user=u&password=x) and Java options (-Ddb.password=x).
var innerSetting = regexp.MustCompile(`(?:^|[;&?\s])([A-Za-z-][\w. -]*?)\s*=\s*("[^"]*"|'[^']*'|[^;&\s]+)`)

// secretSetting names the setting inside a value that holds a literal
// secret, "" when none does.
func secretSetting(raw string) string {
	for _, m := range innerSetting.FindAllStringSubmatch(raw, -1) {
		if secretKey(m[1]) && literalSecret(m[2]) {
			return strings.TrimSpace(m[1])
		}
	}
	return ""
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
	n = compose.Resolve(n)
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
