package forgekit

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/composeguard/composeguard/app/forge"
)

// QuotaHeaders name where a forge says what is left of a rate limit.
type QuotaHeaders struct {
	Remaining, Limit, Reset string // Reset in Unix seconds
	// Resource, when set, names the header saying which limit the answer
	// counted against, and Counted the one that matters (GitHub's "core":
	// GraphQL has a limit of its own).
	Resource, Counted string
}

var (
	// GitHubQuota: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
	GitHubQuota = QuotaHeaders{Remaining: "X-Ratelimit-Remaining", Limit: "X-Ratelimit-Limit",
		Reset: "X-Ratelimit-Reset", Resource: "X-Ratelimit-Resource", Counted: "core"}
	// GitLabQuota: https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/#response-headers
	GitLabQuota = QuotaHeaders{Remaining: "RateLimit-Remaining", Limit: "RateLimit-Limit", Reset: "RateLimit-Reset"}
)

// Quotas keeps the last quota each credential's answers gave.
type Quotas struct {
	headers QuotaHeaders
	mu      sync.Mutex
	byKey   map[string]forge.Quota
}

// NewQuotas reads quotas from the headers h names.
func NewQuotas(h QuotaHeaders) *Quotas {
	return &Quotas{headers: h, byKey: map[string]forge.Quota{}}
}

// Transport records the quota of credential key from every answer next
// gives.
func (q *Quotas) Transport(key string, next http.RoundTripper) http.RoundTripper {
	return quotaObserver{q: q, key: key, next: next}
}

// Get is credential key's last quota; false before any answer gave one.
func (q *Quotas) Get(key string) (forge.Quota, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	quota, ok := q.byKey[key]
	return quota, ok
}

// All are every credential's quotas, by key.
func (q *Quotas) All() []forge.Quota {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]forge.Quota, 0, len(q.byKey))
	for _, quota := range q.byKey {
		out = append(out, quota)
	}
	slices.SortFunc(out, func(a, b forge.Quota) int { return strings.Compare(a.Key, b.Key) })
	return out
}

type quotaObserver struct {
	q    *Quotas
	key  string
	next http.RoundTripper
}

func (t quotaObserver) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		t.q.observe(t.key, resp.Header)
	}
	return resp, err
}

func (q *Quotas) observe(key string, h http.Header) {
	if q.headers.Resource != "" {
		if res := h.Get(q.headers.Resource); res != "" && res != q.headers.Counted {
			return
		}
	}
	remaining, err1 := strconv.Atoi(h.Get(q.headers.Remaining))
	limit, err2 := strconv.Atoi(h.Get(q.headers.Limit))
	reset, err3 := strconv.ParseInt(h.Get(q.headers.Reset), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	// Within one window the count only falls: an answer overtaken by a
	// later one does not raise it again.
	if last, ok := q.byKey[key]; ok && last.Reset.Unix() == reset && last.Remaining < remaining {
		return
	}
	q.byKey[key] = forge.Quota{Key: key, Remaining: remaining, Limit: limit, Reset: time.Unix(reset, 0)}
}
