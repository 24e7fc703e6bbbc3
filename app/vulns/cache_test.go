package vulns

import (
	"fmt"
	"testing"
	"time"
)

// TestCacheBounds: the least recently used reports go first, past the
// number of reports or of packages held.
func TestCacheBounds(t *testing.T) {
	now := time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)
	report := func(packages int) *Report {
		v := Vulnerability{ID: "CVE-1", Severity: High}
		for i := range packages {
			v.Packages = append(v.Packages, Package{Name: fmt.Sprint(i)})
		}
		return &Report{Vulnerabilities: []Vulnerability{v}}
	}
	c := newCache(3, 100, time.Hour)
	for _, d := range []string{"a", "b", "c"} {
		c.put(d, report(9), now) // 10 held each
	}
	c.get("a", now)
	c.put("d", report(9), now)
	if _, ok := c.get("b", now); ok {
		t.Error("b, the least recently used, is kept past 3 reports")
	}
	c.put("e", report(69), now) // 70 held: a, c, d and e would hold 100
	for d, want := range map[string]bool{"a": true, "c": false, "d": true, "e": true} {
		if _, ok := c.get(d, now); ok != want {
			t.Errorf("%s kept: %v, want %v (held %d)", d, ok, want, c.held)
		}
	}
	c.put("f", report(200), now)
	if _, ok := c.get("f", now); ok || c.held > 100 {
		t.Errorf("a report larger than the bound is kept (held %d)", c.held)
	}
	if _, ok := c.get("e", now.Add(time.Hour)); ok {
		t.Error("a report as old as the TTL is kept")
	}
}
