package handlers

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"
)

// MaxWebhookBody is the largest webhook body read. The events handled are
// tens of KB; the largest parts a pull_request delivery can carry are the
// description and the milestone's, 65,536 characters each, which JSON
// escaping takes to 384 KiB at worst. 2 MiB leaves twice the worst case,
// and the default eight bodies read at once hold 16 MiB.
const MaxWebhookBody = 2 << 20

// DefaultUnverifiedBodies is how many webhook bodies are read at once
// before their sender is verified.
const DefaultUnverifiedBodies = 8

const (
	// gateWait is how long a request waits for its turn to be read: a
	// burst of deliveries, each acknowledged in milliseconds, queues for
	// it, while requests holding every place keep the rest out no longer.
	gateWait = time.Second
	// busyRetryAfter is the Retry-After, in seconds, of a 503 for a full
	// gate: long enough for the bodies being read to be answered.
	busyRetryAfter = "10"
)

// bodyGate bounds the memory requests not yet verified can make the server
// hold: no body over max, each read into a buffer of its declared length
// and never grown, and at most cap(slots) read at once; the next waits
// gateWait at most, then is answered 503. Every webhook route reads
// through one.
type bodyGate struct {
	max   int64
	slots chan struct{}
}

func newBodyGate(max int64, concurrent int) *bodyGate {
	return &bodyGate{max: max, slots: make(chan struct{}, concurrent)}
}

var (
	errBodyTooLarge = errors.New("body over the limit")
	errGateFull     = errors.New("too many bodies being verified")
)

// read reads r's body whole. done frees its place in the gate; call it
// once the request is answered.
func (g *bodyGate) read(r *http.Request) (body []byte, done func(), err error) {
	if r.ContentLength > g.max {
		return nil, nil, errBodyTooLarge
	}
	select {
	case g.slots <- struct{}{}:
	case <-time.After(gateWait):
		return nil, nil, errGateFull
	case <-r.Context().Done():
		return nil, nil, r.Context().Err()
	}
	done = func() { <-g.slots }
	if body, err = readAtMost(r.Body, r.ContentLength, g.max); err != nil {
		done()
		return nil, nil, err
	}
	return body, done, nil
}

// readAtMost reads a body of known length into a buffer of that length,
// and one of unknown length (chunked) into a buffer of limit+1 bytes, which
// it must not fill.
func readAtMost(body io.Reader, length, limit int64) ([]byte, error) {
	if length >= 0 {
		buf := make([]byte, length)
		_, err := io.ReadFull(body, buf)
		return buf, err
	}
	buf := make([]byte, limit+1)
	n, err := io.ReadFull(body, buf)
	switch {
	case err == nil:
		return nil, errBodyTooLarge
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return buf[:n], nil
	}
	return nil, err
}

// refuseBody is the answer to a body the gate did not let through.
func refuseBody(c echo.Context, err error) ack {
	switch {
	case errors.Is(err, errBodyTooLarge):
		return ack{status: http.StatusRequestEntityTooLarge, event: "unverified", outcome: "too_large"}
	case errors.Is(err, errGateFull):
		c.Response().Header().Set(echo.HeaderRetryAfter, busyRetryAfter)
		return ack{status: http.StatusServiceUnavailable, event: "unverified", outcome: "busy"}
	}
	return ack{status: http.StatusBadRequest, event: "unverified", outcome: "unreadable", reason: err.Error()}
}

// deliveryIDPattern is what a delivery id may look like: GitHub's are
// GUIDs; 64 characters leave room for other forges' keys.
var deliveryIDPattern = regexp.MustCompile(`^[0-9A-Za-z-]{1,64}$`)

// loggableDeliveryID is a delivery id as the log may show it before the
// delivery is verified: as sent when it looks like one, else quoted, cut
// and sized.
func loggableDeliveryID(id string) string {
	if deliveryIDPattern.MatchString(id) {
		return id
	}
	const shown = 64
	if len(id) <= shown {
		return fmt.Sprintf("%+q", id)
	}
	return fmt.Sprintf("%+q… (%d bytes)", id[:shown], len(id))
}

// clientIP says who sent a request: the peer itself, or, when the peer is
// one of the trusted proxies, the nearest address in X-Forwarded-For that
// is not. Nothing a client writes is believed otherwise.
func clientIP(trustedProxies []*net.IPNet) echo.IPExtractor {
	if len(trustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	// Echo trusts loopback, link-local and private peers by default.
	trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trustedProxies {
		trust = append(trust, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(trust...)
}
