package registry

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrUnknown matches (errors.Is) every failure to get an answer from a
// registry: the result for that image is unknown, which must never be read as
// "no update" nor as a reason to close a pull request.
var ErrUnknown = errors.New("registry answer unknown")

// Failure says why a registry gave no usable answer, which decides what the
// person reading the error should do.
type Failure int

const (
	// Unavailable: network failure, timeout, 429, 5xx or any other error;
	// trying again later may work.
	Unavailable Failure = iota
	// NotFound: 404, NAME_UNKNOWN or MANIFEST_UNKNOWN; the name or tag is
	// probably mistyped.
	NotFound
	// Denied: 401, 403, UNAUTHORIZED or DENIED; credentials are missing or
	// refused (Docker Hub also answers 401 for a repository that does not exist).
	Denied
	// Refused: composeguard would not connect: a loopback, private or
	// link-local address not allowed by AllowPrivateSetting, or plain HTTP.
	Refused
	// TooLarge: the answer is beyond the bounds of a lookup (MaxTags,
	// MaxTagPages, MaxResponseBytes).
	TooLarge
)

// AuthFileSetting is the setting (environment variable) the CLI and the
// server read registry credentials from, named in the advice of a Denied error.
const AuthFileSetting = "COMPOSEGUARD_REGISTRY_AUTH_FILE"

// LookupError is returned when a registry gave no usable answer.
type LookupError struct {
	Failure    Failure
	Host       string // registry host contacted (the mirror when one is configured)
	Mirrored   bool   // Host is a mirror of the repository's registry
	Repository string // repository as the caller named it
	Tag        string // the tag asked about; "" for a tag listing
	StatusCode int    // HTTP status of the failing answer, 0 when there was none
	// Credentials is set when the configuration holds credentials for Host,
	// so a Denied answer refused them rather than asked for them.
	Credentials bool
	// Withheld is set when the configuration holds credentials for Host but
	// CredentialScope does not give them to Caller, the forge repository
	// the lookup was made for.
	Withheld bool
	Caller   string
	Err      error
}

// Error never shows credentials: URLs quoted from the failure lose their
// user:password@ and query values.
func (e *LookupError) Error() string { return Redact(e.message()) }

func (e *LookupError) message() string {
	what, registry := e.Repository, "the registry"
	if e.Tag != "" {
		what += ":" + e.Tag
	}
	if e.Mirrored {
		registry = "the mirror " + e.Host
	}
	var refused *RefusedError
	var tooLarge *TooLargeError
	switch e.Failure {
	case NotFound:
		if e.Tag != "" {
			return fmt.Sprintf("not found: %s (check the tag; %s has no such tag)", what, registry)
		}
		return fmt.Sprintf("not found: %s (check the name; %s has no such repository)", what, registry)
	case Denied:
		switch {
		case e.Credentials:
			return fmt.Sprintf("denied: %s (HTTP %d; %s refused the credentials %s holds for it)", what, e.StatusCode, e.Host, AuthFileSetting)
		case e.Withheld:
			return fmt.Sprintf("denied: %s (HTTP %d; the server holds credentials for %s, but %s does not offer them to %s)", what, e.StatusCode, e.Host, CredentialsScopeSetting, e.Caller)
		case e.Host == name.DefaultRegistry:
			return fmt.Sprintf("denied: %s (HTTP %d; credentials needed? set %s; Docker Hub answers the same for a repository that does not exist, so check the name too)", what, e.StatusCode, AuthFileSetting)
		}
		return fmt.Sprintf("denied: %s (HTTP %d; credentials needed? set %s)", what, e.StatusCode, AuthFileSetting)
	case Refused:
		if errors.As(e.Err, &refused) {
			return fmt.Sprintf("refused: %s (%v)", what, refused)
		}
	case TooLarge:
		if errors.As(e.Err, &tooLarge) {
			return fmt.Sprintf("too large: %s from %s (%v)", what, e.Host, tooLarge)
		}
	}
	status := ""
	if e.StatusCode != 0 {
		status = fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	return fmt.Sprintf("registry unavailable: %s for %s%s: %v", e.Host, what, status, e.Err)
}

func (e *LookupError) Unwrap() error { return e.Err }

// Is makes every LookupError match ErrUnknown.
func (e *LookupError) Is(target error) bool { return target == ErrUnknown }

// errThrottled fails requests to a host that kept answering 429 this run, so
// a rate-limited registry is not hammered by every remaining image.
var errThrottled = errors.New("host rate-limited earlier in this run")

// lookupError describes a failed lookup of t (and tag, when one was asked)
// made through l.
func (c *Client) lookupError(t target, tag string, l *lane, err error) error {
	host := t.remote.RegistryStr()
	_, held := c.keychain[host]
	credentials := held && l == &c.credentialed
	e := &LookupError{Host: host, Mirrored: t.mirrored, Repository: t.asked, Tag: tag,
		Credentials: credentials, Withheld: held && !credentials, Caller: c.caller, Err: err}
	var te *transport.Error
	var refused *RefusedError
	var tooLarge *TooLargeError
	switch {
	case errors.As(err, &refused):
		e.Failure = Refused
	case errors.As(err, &tooLarge):
		e.Failure = TooLarge
	case errors.As(err, &te):
		e.StatusCode = te.StatusCode
		e.Failure = failureOf(te)
	case errors.Is(err, errThrottled):
		e.StatusCode = http.StatusTooManyRequests
	}
	return e
}

func failureOf(te *transport.Error) Failure {
	// A 404 to the /v2/ ping means the host is no registry, not that the
	// repository is missing.
	if te.Request != nil && te.Request.URL.Path == "/v2/" {
		return Unavailable
	}
	for _, d := range te.Errors {
		switch d.Code {
		case transport.NameUnknownErrorCode, transport.ManifestUnknownErrorCode:
			return NotFound
		case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
			return Denied
		}
	}
	switch te.StatusCode {
	case http.StatusNotFound:
		return NotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		return Denied
	}
	return Unavailable
}
