package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// defaultRateLimitWait is how long to wait after a rate limit that names no
// time: "wait at least one minute"
// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
const defaultRateLimitWait = time.Minute

// fail describes a failed call and sorts it for the job: retryable (5xx,
// timeouts, connection errors, rate limits), forge.ErrNotFound (404),
// forge.ErrUnprocessable (422), or final. go-github's and ghinstallation's
// messages name the method and URL, never a token or key.
func fail(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var limited *gh.RateLimitError
	var abuse *gh.AbuseRateLimitError
	var resp *gh.ErrorResponse
	var token *ghinstallation.HTTPError
	switch {
	case errors.As(err, &limited):
		// Rate holds x-ratelimit-reset, also when go-github refused locally.
		return forgekit.Retry(err, what, rateLimitWait(limited.Response.Header, time.Until(limited.Rate.Reset.Time)))
	case errors.As(err, &abuse):
		return forgekit.Retry(err, what, rateLimitWait(abuse.Response.Header, abuse.GetRetryAfter()))
	case errors.As(err, &resp) && resp.Response != nil:
		return byStatus(err, what, resp.Response, resp.Message)
	case errors.As(err, &token) && token.Response != nil:
		// A failed installation token request; its body is never read.
		defer token.Response.Body.Close()
		return byStatus(err, what, token.Response, "")
	case forgekit.Transient(err):
		return forgekit.Retry(err, what, 0)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func byStatus(err error, what string, r *http.Response, message string) error {
	switch code := r.StatusCode; {
	case code == http.StatusNotFound:
		return fmt.Errorf("%s: %w: %w", what, forge.ErrNotFound, err)
	case code == http.StatusUnprocessableEntity:
		return fmt.Errorf("%s: %w: %w", what, forge.ErrUnprocessable, err)
	case code == http.StatusTooManyRequests || code == http.StatusForbidden && rateLimited(r.Header, message):
		return forgekit.Retry(err, what, rateLimitWait(r.Header, 0))
	case code >= 500:
		return forgekit.Retry(err, what, forgekit.RetryAfter(r.Header))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// rateLimited tells a 403 rate limit from a 403 refusal ("Resource not
// accessible by integration").
func rateLimited(h http.Header, message string) bool {
	m := strings.ToLower(message)
	return h.Get("X-RateLimit-Remaining") == "0" || h.Get("Retry-After") != "" ||
		strings.Contains(m, "rate limit") || strings.Contains(m, "abuse")
}

// rateLimitWait follows GitHub's order: retry-after, else x-ratelimit-reset
// when x-ratelimit-remaining is 0, else (known is zero or past) a minute. A
// secondary limit carries the primary's headers too, with requests left:
// its reset says nothing about it.
func rateLimitWait(h http.Header, known time.Duration) time.Duration {
	if d := forgekit.RetryAfter(h); d > 0 {
		return d
	}
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && h.Get("X-RateLimit-Remaining") == "0" {
		// A reset already past (it passed on the way, or the clocks
		// differ) has lifted the limit: a second is enough.
		return max(time.Until(time.Unix(reset, 0)), 0).Truncate(time.Second) + time.Second
	}
	if known > 0 {
		return known.Truncate(time.Second) + time.Second
	}
	return defaultRateLimitWait
}
