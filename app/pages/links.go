package pages

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// LinkLifetime is how long a report link opens its page; stored reviews
// are kept as long (app/jobs prunes them after it).
const LinkLifetime = 30 * 24 * time.Hour

// Links signs and checks the links to report pages. The zero value and nil
// make none.
type Links struct {
	public *url.URL
	key    []byte
}

// KeySize is the size of the key NewLinks wants.
const KeySize = 32

// NewLinks signs links to pages under public (the server's address, ending
// with a slash) with key, random and kept by the server (app/jobs): no
// setting derives it, as a project's webhook secret is known to whoever
// set up the webhook. Without a public address or a key of KeySize bytes
// it makes no links.
func NewLinks(public *url.URL, key []byte) *Links {
	if public == nil || len(key) != KeySize {
		return nil
	}
	return &Links{public: public, key: key}
}

// Report is the signed address of a head's report page, valid for
// LinkLifetime from now; "" when l makes no links.
func (l *Links) Report(key string, now time.Time) string {
	if l == nil {
		return ""
	}
	expires := strconv.FormatInt(now.Add(LinkLifetime).Unix(), 10)
	u := l.public.JoinPath("report", key)
	u.RawQuery = url.Values{"expires": {expires}, "sig": {l.sign(key, expires)}}.Encode()
	return u.String()
}

// Errors of Verify; the page says no more than that it refuses.
var (
	ErrBadSignature = errors.New("the link is not one the server signed")
	ErrExpired      = errors.New("the link has expired")
)

// Verify checks the signature and expiry of a report link: the key from
// its path, expires and sig from its query.
func (l *Links) Verify(key, expires, sig string, now time.Time) error {
	if l == nil {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(sig), []byte(l.sign(key, expires))) {
		return ErrBadSignature
	}
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if now.Unix() > at {
		return ErrExpired
	}
	return nil
}

func (l *Links) sign(key, expires string) string {
	mac := hmac.New(sha256.New, l.key)
	mac.Write([]byte("report\x00" + key + "\x00" + expires))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}
