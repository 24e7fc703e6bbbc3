package dashboard_test

import "testing"

// BenchmarkRefreshUnchanged is what a push that changes nothing shown
// costs, on the fake GitHub: the head, the tree and its files, the policy,
// the audit, the image updates waiting (a registry each), the issue
// listing and the trend, and no write; calls/op counts the forge's
// requests.
func BenchmarkRefreshUnchanged(b *testing.B) {
	e := newEnv(b, readRepo(b, "testdata/repo"))
	e.refresh()
	writes, calls := e.writes(), len(e.fake.Requests())
	for b.Loop() {
		e.refresh()
	}
	b.ReportMetric(float64(len(e.fake.Requests())-calls)/float64(b.N), "calls/op")
	if e.writes() != writes {
		b.Fatalf("%d writes by refreshes that changed nothing", e.writes()-writes)
	}
}
