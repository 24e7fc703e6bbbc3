package github

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkReadsOfAReview reads what a review of a pull request touching 3
// compose files needs, with a cold cache and 20 ms added to every call:
// the pull request, its files, both snapshots and every compose file and
// .env at base and head.
func BenchmarkReadsOfAReview(b *testing.B) {
	e := newEnv(b)
	base := map[string]string{".env": "TAG=1\n"}
	for i := range 50 {
		base[fmt.Sprintf("src/file%02d.go", i)] = "package src\n"
	}
	head := map[string]string{}
	for i := range 3 {
		base[fmt.Sprintf("stacks/s%d/compose.yaml", i)] = "services:\n  web:\n    image: nginx\n"
	}
	for p, c := range base {
		head[p] = c
	}
	for i := range 3 {
		head[fmt.Sprintf("stacks/s%d/compose.yaml", i)] = fmt.Sprintf("services:\n  web:\n    image: nginx:1.%d\n", i)
	}
	p := e.pull(base, head)
	e.fake.SetLatency(20 * time.Millisecond)

	var calls Calls
	for b.Loop() {
		c, _ := e.appClient(b, Options{})
		if _, err := c.PullRequest(b.Context(), e.target, 1); err != nil {
			b.Fatal(err)
		}
		if _, err := c.ChangedFiles(b.Context(), e.target, 1); err != nil {
			b.Fatal(err)
		}
		for _, sha := range []string{p.Base, p.Head} {
			snap, err := c.Snapshot(b.Context(), e.target, sha)
			if err != nil {
				b.Fatal(err)
			}
			for i := range 3 {
				if _, err := snap.ReadFile(fmt.Sprintf("stacks/s%d/compose.yaml", i)); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := snap.ReadFile(".env"); err != nil {
				b.Fatal(err)
			}
		}
		calls = c.Calls()
	}
	b.ReportMetric(float64(calls.API.Total()), "api-calls/op")
	b.ReportMetric(float64(calls.Content.Total()), "content-calls/op")
	b.ReportMetric(float64(calls.Auth.Total()), "token-calls/op")
}
