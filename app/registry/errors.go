package registry

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrUnknown matches (errors.Is) every failure to get an answer from a
// registry: the result for that image is unknown, which must never be read as
// "no update" nor as a reason to close a pull request.
var ErrUnknown = errors.New("registry answer unknown")

// UnavailableError is returned when a registry could not answer: network
// failure, timeout, 429, 5xx, authentication or any other registry error.
type UnavailableError struct {
	Host       string // registry host contacted (the mirror when one is configured)
	Repository string // repository as the caller named it
	StatusCode int    // HTTP status of the failing answer, 0 when there was none
	Err        error
}

func (e *UnavailableError) Error() string {
	status := ""
	if e.StatusCode != 0 {
		status = fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	return fmt.Sprintf("registry %s unavailable for %s%s: %v", e.Host, e.Repository, status, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Is makes every UnavailableError match ErrUnknown.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnknown }

// errThrottled fails requests to a host that kept answering 429 this run, so
// a rate-limited registry is not hammered by every remaining image.
var errThrottled = errors.New("host rate-limited earlier in this run")

func (t target) unavailable(err error) error {
	e := &UnavailableError{Host: t.remote.RegistryStr(), Repository: t.asked, Err: err}
	var te *transport.Error
	switch {
	case errors.As(err, &te):
		e.StatusCode = te.StatusCode
	case errors.Is(err, errThrottled):
		e.StatusCode = http.StatusTooManyRequests
	}
	return e
}
