package githubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// GitHub's primary rate limit of an installation: 5,000 requests an hour
// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
const (
	primaryLimit  = 5000
	primaryWindow = time.Hour
)

// quota is one credential's primary rate limit: an installation's, or a
// token user's.
type quota struct {
	limit, used int
	reset       time.Time
}

func quotaKey(g grant) string {
	if g.installation != 0 {
		return fmt.Sprintf("installation %d", g.installation)
	}
	return "user " + g.login
}

// quotaOf returns the current window of key's quota, a new one once the
// last reset passed. f.mu must be held.
func (f *Fake) quotaOf(key string) *quota {
	q := f.quotas[key]
	if q == nil || !time.Now().Before(q.reset) {
		q = &quota{limit: primaryLimit, reset: time.Now().Add(primaryWindow).Truncate(time.Second)}
		f.quotas[key] = q
	}
	return q
}

// spend finds the quota an authenticated REST request draws on, and
// whether it is spent. The App's JWT requests and GraphQL, which has a
// limit of its own, draw on none here.
func (f *Fake) spend(r *http.Request) (q *quota, limited bool) {
	if r.URL.Path == "/graphql" {
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.authorize(r)
	if !ok {
		return nil, false
	}
	q = f.quotaOf(quotaKey(g))
	return q, q.used >= q.limit
}

// count charges an answer to its quota, unless it is a 304, which GitHub
// does not count ("Best practices for using the REST API"), and says what
// is left in GitHub's headers, unless a fault said it.
func (f *Fake) count(q *quota, rec *recorder) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rec.status != http.StatusNotModified {
		q.used++
	}
	if rec.header.Get("X-Ratelimit-Limit") != "" {
		return
	}
	rec.header.Set("X-Ratelimit-Limit", strconv.Itoa(q.limit))
	rec.header.Set("X-Ratelimit-Remaining", strconv.Itoa(max(0, q.limit-q.used)))
	rec.header.Set("X-Ratelimit-Used", strconv.Itoa(q.used))
	rec.header.Set("X-Ratelimit-Reset", strconv.FormatInt(q.reset.Unix(), 10))
	rec.header.Set("X-Ratelimit-Resource", "core")
}

// RateLimitUsed is how many requests of installation's primary rate limit
// its tokens spent in the current window.
func (f *Fake) RateLimitUsed(installation int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.quotaOf(quotaKey(grant{installation: installation})).used
}

// SetRateLimitRemaining leaves installation remaining requests until reset,
// when its limit is whole again.
func (f *Fake) SetRateLimitRemaining(installation int64, remaining int, reset time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.quotas[quotaKey(grant{installation: installation})] = &quota{limit: primaryLimit, used: primaryLimit - remaining, reset: reset}
}

// revalidate gives a GET's 200 an ETag and answers 304, with no body, when
// the request's If-None-Match names it. Like GitHub's, an ETag is specific
// to the credential that read it (GitHub support in
// eclipse-csi/otterdog#201): another token's gets the 200.
func (rec *recorder) revalidate(r *http.Request) {
	if r.Method != http.MethodGet || rec.status != http.StatusOK {
		return
	}
	sum := sha256.Sum256(append([]byte(credential(r)+"\x00"), rec.body.Bytes()...))
	etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
	rec.header.Set("ETag", etag)
	for _, tag := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if tag = strings.TrimSpace(tag); tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
			rec.status = http.StatusNotModified
			rec.body.Reset()
			rec.header.Del("Content-Type")
			return
		}
	}
}
