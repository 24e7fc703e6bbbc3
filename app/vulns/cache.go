package vulns

import (
	"container/list"
	"time"
)

// cache keeps reports by image digest, least recently used dropped first,
// within a number of reports and of vulnerabilities held, each report for
// ttl: Trivy's database moves on, and so does what an image is known to
// carry. Failures are never kept. Callers hold the Scanner's lock.
type cache struct {
	maxReports, maxHeld int
	ttl                 time.Duration
	held                int
	order               *list.List // of *cached, most recently used first
	byDigest            map[string]*list.Element
}

type cached struct {
	digest string
	report *Report
	at     time.Time
}

func newCache(maxReports, maxHeld int, ttl time.Duration) *cache {
	return &cache{maxReports: maxReports, maxHeld: maxHeld, ttl: ttl, order: list.New(), byDigest: map[string]*list.Element{}}
}

func (c *cache) get(digest string, now time.Time) (*Report, bool) {
	e, ok := c.byDigest[digest]
	if !ok {
		return nil, false
	}
	entry := e.Value.(*cached)
	if now.Sub(entry.at) >= c.ttl {
		c.remove(e)
		return nil, false
	}
	c.order.MoveToFront(e)
	return entry.report, true
}

func (c *cache) put(digest string, r *Report, now time.Time) {
	if e, ok := c.byDigest[digest]; ok {
		c.remove(e)
	}
	if r.size() > c.maxHeld {
		return
	}
	c.byDigest[digest] = c.order.PushFront(&cached{digest: digest, report: r, at: now})
	c.held += r.size()
	for c.order.Len() > c.maxReports || c.held > c.maxHeld {
		c.remove(c.order.Back())
	}
}

func (c *cache) remove(e *list.Element) {
	entry := c.order.Remove(e).(*cached)
	delete(c.byDigest, entry.digest)
	c.held -= entry.report.size()
}
