package registry

import (
	"fmt"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/forge"
)

// CredentialsScopeSetting is the setting (environment variable) saying which
// forge repositories the server's registry credentials are offered to.
const CredentialsScopeSetting = "COMPOSEGUARD_REGISTRY_CREDENTIALS_SCOPE"

// CredentialScope maps a registry host (as credentials are looked up: a
// mirror's own host for a mirror; "*" for every registry) to the forge
// repositories that may use its credentials: "owner/name", "owner/*" (every
// repository under owner, subgroups included) or "*" (every repository of
// every forge). GitHub repositories are named as they are; GitLab projects
// with "gitlab:" before them ("gitlab:group/subgroup/*"), so that a scope
// written for a GitHub owner never reaches a GitLab group of the same name.
type CredentialScope map[string][]string

// ParseCredentialScope parses CredentialsScopeSetting:
// "ghcr.io=acme/*,acme-labs/site;registry.example.com=*". Registries are
// separated by semicolons, repositories by commas; names are matched without
// regard to case, as forges do.
func ParseCredentialScope(s string) (CredentialScope, error) {
	scope := CredentialScope{}
	for entry := range strings.SplitSeq(s, ";") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		reg, repos, ok := strings.Cut(entry, "=")
		reg = strings.TrimSpace(reg)
		if !ok || reg == "" {
			return nil, fmt.Errorf("%s: %q: want registry=owner/name,owner/*,…", CredentialsScopeSetting, entry)
		}
		if strings.Contains(reg, "@") {
			return nil, fmt.Errorf("%s: a registry carries user:password@; the credentials belong in %s", CredentialsScopeSetting, AuthFileSetting)
		}
		host := "*"
		if reg != "*" {
			var err error
			if host, err = registryHost(configHost(reg)); err != nil {
				return nil, fmt.Errorf("%s: %q is not a registry host", CredentialsScopeSetting, reg)
			}
		}
		for pattern := range strings.SplitSeq(repos, ",") {
			pattern = strings.ToLower(strings.TrimSpace(pattern))
			if !validRepositoryPattern(strings.TrimPrefix(pattern, GitLabPrefix)) {
				return nil, fmt.Errorf("%s: %q: want owner/name, owner/*, gitlab:group/name, gitlab:group/* or *", CredentialsScopeSetting, pattern)
			}
			scope[host] = append(scope[host], pattern)
		}
	}
	return scope, nil
}

// GitLabPrefix starts the name of a GitLab project in a credential scope.
const GitLabPrefix = "gitlab:"

// ScopeName names a forge repository as credential scopes do, for For: as
// it is on GitHub, after "gitlab:" on GitLab, so an owner's scope on one
// forge never reaches a namesake on the other.
func ScopeName(repo forge.Repo) string {
	if repo.Forge == forge.GitLab {
		return GitLabPrefix + repo.String()
	}
	return repo.String()
}

func validRepositoryPattern(p string) bool {
	if p == "*" {
		return true
	}
	base, wildcard := strings.CutSuffix(p, "/*")
	if strings.ContainsAny(base, "*: \t") || !wildcard && !strings.Contains(base, "/") {
		return false
	}
	return !slices.Contains(strings.Split(base, "/"), "")
}

// allows reports whether repository ("owner/name") may use the credentials
// held for host.
func (s CredentialScope) allows(host, repository string) bool {
	repository = strings.ToLower(repository)
	for _, patterns := range [][]string{s[host], s["*"]} {
		for _, p := range patterns {
			if p == "*" || p == repository || (strings.HasSuffix(p, "/*") || p == GitLabPrefix+"*") && strings.HasPrefix(repository, strings.TrimSuffix(p, "*")) {
				return true
			}
		}
	}
	return false
}
