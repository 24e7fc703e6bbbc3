package forgekit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/composeguard/composeguard/app/forge"
)

// Retry wraps err, a failure of what, for the job to retry after after
// (zero: when it sees fit).
func Retry(err error, what string, after time.Duration) error {
	return &forge.RetryableError{After: after, Err: fmt.Errorf("%s: %w", what, err)}
}

// RetryAfter reads a Retry-After header in seconds; zero when absent.
func RetryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// Transient reports a timeout or a connection that failed or broke off.
func Transient(err error) bool {
	var netErr net.Error
	var urlErr *url.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.As(err, &netErr) || errors.As(err, &urlErr)
}
