package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/composeguard/composeguard/app/config"
)

// healthcheckTimeout bounds one probe: /readyz gives the database 2 s, and
// deploy/compose.yaml's healthcheck gives the command 5 s.
const healthcheckTimeout = 4 * time.Second

// healthcheck asks serve's /readyz whether it is ready, for container
// runtimes that run a command in the image (distroless has no shell or
// curl): 0 when it answers 200, 1 otherwise, with one line saying why.
// Docker reserves exit code 2, so a bad setting is 1 as well.
func healthcheck(args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("composeguard healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "", "the readiness URL to ask (default: /readyz at COMPOSEGUARD_LISTEN's port on loopback)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 1
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "composeguard healthcheck: unexpected argument %q\n", fs.Arg(0))
		return 1
	}
	target, err := readinessTarget(*rawURL, getenv)
	if err == nil {
		err = probeReadiness(target, healthcheckTimeout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "composeguard healthcheck: %v\n", err)
		return 1
	}
	return 0
}

// readinessTarget is --url, else the URL COMPOSEGUARD_LISTEN implies.
func readinessTarget(raw string, getenv func(string) string) (*url.URL, error) {
	if raw == "" {
		return config.ReadinessURL(getenv)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url must be an http:// or https:// URL, got %q", raw)
	}
	return u, nil
}

// probeReadiness GETs u once, directly: no proxy from the environment (a
// registry proxy must not answer for the server) and no redirect followed
// (only serve's own 200 means ready).
func probeReadiness(u *url.URL, timeout time.Duration) error {
	client := &http.Client{
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s did not answer within %s", u.Redacted(), timeout)
	case err != nil:
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // it repeats the URL, with any password in it
		}
		return fmt.Errorf("%s: %v", u.Redacted(), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s, not 200 OK", u.Redacted(), resp.Status)
	}
	return nil
}
