package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// defaultRateLimitWait is how long to wait after a 429 that says nothing
// of when: GitLab's limits are per minute
// (https://docs.gitlab.com/user/gitlab_com/#rate-limits-on-gitlabcom).
const defaultRateLimitWait = time.Minute

// fail describes a failed call and sorts it for the job: retryable (5xx,
// 409, 429, timeouts, connection errors), forge.ErrNotFound (404),
// forge.ErrUnprocessable (400 and 422: GitLab refuses what it was sent), or
// final (401, 403). client-go's messages name the method and URL, never the
// token.
func fail(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var resp *gl.ErrorResponse
	switch {
	case errors.Is(err, gl.ErrNotFound):
		return fmt.Errorf("%s: %w: %w", what, forge.ErrNotFound, err)
	case errors.As(err, &resp):
		return byStatus(err, what, resp)
	case forgekit.Transient(err):
		return forgekit.Retry(err, what, 0)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func byStatus(err error, what string, resp *gl.ErrorResponse) error {
	var h http.Header
	if resp.Response != nil {
		h = resp.Response.Header
	}
	switch code := resp.StatusCode; {
	case code == http.StatusBadRequest, code == http.StatusUnprocessableEntity:
		return fmt.Errorf("%s: %w: %w", what, forge.ErrUnprocessable, err)
	case code == http.StatusTooManyRequests:
		return forgekit.Retry(err, what, rateLimitWait(h))
	case code == http.StatusConflict, code >= 500:
		return forgekit.Retry(err, what, forgekit.RetryAfter(h))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// rateLimitWait follows GitLab's headers: Retry-After, else RateLimit-Reset
// (a Unix time), else a minute.
func rateLimitWait(h http.Header) time.Duration {
	if d := forgekit.RetryAfter(h); d > 0 {
		return d
	}
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
		return max(time.Until(time.Unix(reset, 0)), 0).Truncate(time.Second) + time.Second
	}
	return defaultRateLimitWait
}
