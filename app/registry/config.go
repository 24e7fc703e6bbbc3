package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// ParseMirrors parses COMPOSEGUARD_REGISTRY_MIRRORS, a comma-separated list of
// registry=mirror pairs such as "docker.io=registry.internal:5000,ghcr.io=mirror:5001".
// A mirror may carry a path prefix (Harbor or Nexus proxy projects:
// "docker.io=harbor.internal/dockerhub") and an "http://" prefix when it only
// speaks plain HTTP. Keys and values are returned as written, validated.
func ParseMirrors(s string) (map[string]string, error) {
	// Checked on the whole setting: a password may hold a comma, which
	// would split it between two entries.
	if err := noUserinfo(s); err != nil {
		return nil, err
	}
	mirrors := map[string]string{}
	seen := map[string]string{}
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		from, to, ok := strings.Cut(entry, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("registry mirror %q: want registry=mirror", entry)
		}
		host, err := registryHost(from)
		if err != nil {
			return nil, err
		}
		if _, err := parseMirror(to); err != nil {
			return nil, err
		}
		// docker.io and index.docker.io name the same registry.
		if prev, dup := seen[host]; dup {
			return nil, fmt.Errorf("registry mirror: %q and %q name the same registry", prev, from)
		}
		seen[host] = from
		mirrors[from] = to
	}
	return mirrors, nil
}

type mirror struct {
	host     string // host[:port] requests go to
	prefix   string // path prepended to the repository, "" for none
	insecure bool
}

func parseMirror(s string) (mirror, error) {
	var m mirror
	if err := noUserinfo(s); err != nil {
		return m, err
	}
	rest := strings.TrimSuffix(s, "/")
	if r, ok := strings.CutPrefix(rest, "http://"); ok {
		rest, m.insecure = r, true
	} else {
		rest = strings.TrimPrefix(rest, "https://")
	}
	m.host, m.prefix, _ = strings.Cut(rest, "/")
	if _, err := name.NewRegistry(m.host); err != nil || m.host == "" {
		return mirror{}, fmt.Errorf("registry mirror %q: bad host %q", s, m.host)
	}
	if m.prefix != "" {
		if _, err := name.NewRepository(m.host + "/" + m.prefix + "/x"); err != nil {
			return mirror{}, fmt.Errorf("registry mirror %q: bad path %q", s, m.prefix)
		}
	}
	return m, nil
}

// noUserinfo rejects user:password@ in a mirror setting without repeating
// it, since errors are printed and logged.
func noUserinfo(s string) error {
	if !strings.Contains(s, "@") {
		return nil
	}
	return fmt.Errorf("registry mirror: a mirror takes no user:password; put the credentials under \"auths\" for the mirror's host in the %s", AuthFileSetting)
}

// registryHost validates a registry name and returns it the way
// go-containerregistry reports it (docker.io becomes index.docker.io).
func registryHost(s string) (string, error) {
	reg, err := name.NewRegistry(s)
	if err != nil || s == "" {
		return "", fmt.Errorf("bad registry %q", s)
	}
	return reg.RegistryStr(), nil
}

// keychain holds the credentials of a docker config.json, by registry host.
// It is built only from the configuration the server passes, never from
// ~/.docker or the environment as authn.DefaultKeychain would.
type keychain map[string]authn.AuthConfig

func parseDockerConfig(data []byte) (keychain, error) {
	kc := keychain{}
	if len(data) == 0 {
		return kc, nil
	}
	var cfg struct {
		Auths       map[string]authn.AuthConfig `json:"auths"`
		CredsStore  string                      `json:"credsStore"`
		CredHelpers map[string]string           `json:"credHelpers"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("registry credentials: %w", err)
	}
	// Helpers run external programs; failing here beats silently going anonymous.
	if cfg.CredsStore != "" || len(cfg.CredHelpers) > 0 {
		return nil, errors.New("registry credentials: credsStore and credHelpers are not supported; put credentials under \"auths\"")
	}
	for key, auth := range cfg.Auths {
		if auth == (authn.AuthConfig{}) {
			continue
		}
		if strings.Contains(key, "@") {
			return nil, errors.New("registry credentials: a key of \"auths\" carries user:password@; put the credentials in its \"auth\" or \"username\" and \"password\"")
		}
		host, err := registryHost(configHost(key))
		if err != nil {
			return nil, fmt.Errorf("registry credentials: %w", err)
		}
		kc[host] = auth
	}
	return kc, nil
}

// configHost reduces a config.json key to host[:port] like docker does:
// "https://index.docker.io/v1/" and "ghcr.io" are both valid keys.
func configHost(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "https://"), "http://")
	host, _, _ := strings.Cut(key, "/")
	if host == "registry-1.docker.io" {
		return name.DefaultRegistry
	}
	return host
}

func (kc keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if auth, ok := kc[r.RegistryStr()]; ok {
		return authn.FromConfig(auth), nil
	}
	return authn.Anonymous, nil
}
