package registry

import (
	"regexp"
	"strings"
)

// urlPattern finds URLs in free text, such as the errors of net/http and
// go-containerregistry, which quote the URLs they failed on.
var urlPattern = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'<>]+`)

// registryParams are the query parameters of the distribution API and its
// token requests, which name pages and scopes, not secrets.
var registryParams = map[string]bool{"n": true, "last": true, "scope": true, "service": true}

// Redact removes what may be a credential from every URL in s: the
// user:password@ part (a username may be a token too) and the query values
// other than the registry API's own, since signed blob URLs carry their
// signatures there.
func Redact(s string) string {
	return urlPattern.ReplaceAllStringFunc(s, func(u string) string {
		scheme, rest, _ := strings.Cut(u, "://")
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			rest = "***" + rest[at:]
		}
		path, query, hasQuery := strings.Cut(rest, "?")
		if !hasQuery {
			return scheme + "://" + rest
		}
		query, fragment, hasFragment := strings.Cut(query, "#")
		params := strings.Split(query, "&")
		for i, p := range params {
			if key, value, ok := strings.Cut(p, "="); ok && value != "" && !registryParams[key] {
				params[i] = key + "=***"
			}
		}
		out := scheme + "://" + path + "?" + strings.Join(params, "&")
		if hasFragment {
			out += "#" + fragment
		}
		return out
	})
}
