package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// BenchmarkReview measures, on loopback against the fake GitHub adding
// 20 ms to every call, a new pull request touching three compose files:
// the time from the delivery being sent to the check run completing
// (p50-ms, p99-ms), and the API calls of its review, those fetching file
// contents (content-calls) apart from the others (api-calls).
//
//	go test ./cmd/composeguard -run '^$' -bench Review -benchtime 40x
func BenchmarkReview(b *testing.B) {
	e := startE2E(b)
	e.fake.SetLatency(20 * time.Millisecond)
	stacks := []string{"stacks/web/compose.yaml", "stacks/db/compose.yaml", "stacks/mail/compose.yaml"}
	base := map[string]string{"README.md": "three stacks\n"}
	for _, s := range stacks {
		base[s] = reviewtest.Stack(reviewtest.Hardened("app"))
	}
	baseSHA := e.repo.Commit(base)
	e.opened(b, e.pull(1, base, base), "opened") // the installation token, fetched once an hour
	e.reviewed(b)

	var latencies []time.Duration
	content, other := 0, 0
	number := 1
	for b.Loop() {
		number++
		head := map[string]string{"README.md": base["README.md"]}
		for i, s := range stacks {
			head[s] = reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure(fmt.Sprintf("svc%d", number), fmt.Sprint(8000+i)))
		}
		p := githubtest.Pull{Number: number, Title: "Harden the stacks", Base: baseSHA, Head: e.repo.Commit(head)}
		e.repo.AddPull(p)
		before := len(e.fake.Requests())

		start := time.Now()
		e.opened(b, p, "opened")
		for !completed(e, p.Head) {
			time.Sleep(time.Millisecond)
		}
		latencies = append(latencies, time.Since(start))
		e.reviewed(b)

		for _, r := range e.fake.Requests()[before:] {
			switch r.Pattern {
			case "GET /repos/{owner}/{repo}/git/trees/{tree_sha}", "GET /repos/{owner}/{repo}/git/blobs/{file_sha}":
				content++
			default:
				other++
			}
		}
	}
	reportReviews(b, latencies, content, other)
}

// completed reports whether a check run at head has completed.
func completed(e *e2e, head string) bool {
	for _, r := range e.runsAt(head) {
		if r.Status == "completed" {
			return true
		}
	}
	return false
}

// BenchmarkGitLabReview measures the same on the fake GitLab adding 20 ms to
// every call: from the merge request event being sent to the composeguard
// status being final (p50-ms, p99-ms), and the API calls of each review,
// those reading file contents (the tree and raw blobs) apart.
//
//	go test ./cmd/composeguard -run '^$' -bench GitLabReview -benchtime 40x
func BenchmarkGitLabReview(b *testing.B) {
	e := startGitLabE2E(b)
	e.fake.SetLatency(20 * time.Millisecond)
	stacks := []string{"stacks/web/compose.yaml", "stacks/db/compose.yaml", "stacks/mail/compose.yaml"}
	base := map[string]string{"README.md": "three stacks\n"}
	for _, s := range stacks {
		base[s] = reviewtest.Stack(reviewtest.Hardened("app"))
	}
	baseSHA := e.project.Commit(base)
	e.send(b, "open", e.mergeRequest(1, base, base), "") // the token's user, read once
	e.reviewed(b)

	var latencies []time.Duration
	content, other := 0, 0
	iid := int64(1)
	for b.Loop() {
		iid++
		head := map[string]string{"README.md": base["README.md"]}
		for i, s := range stacks {
			head[s] = reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure(fmt.Sprintf("svc%d", iid), fmt.Sprint(8000+i)))
		}
		mr := gitlabtest.MergeRequest{IID: iid, Title: "Harden the stacks", Base: baseSHA, Head: e.project.Commit(head)}
		e.project.AddMergeRequest(mr)
		before := len(e.fake.Requests())

		start := time.Now()
		e.send(b, "open", mr, "")
		for !statusFinal(e, mr.Head) {
			time.Sleep(time.Millisecond)
		}
		latencies = append(latencies, time.Since(start))
		e.reviewed(b)

		for _, r := range e.fake.Requests()[before:] {
			switch r.Pattern {
			case "GET /projects/{id}/repository/tree", "GET /projects/{id}/repository/blobs/{sha}/raw":
				content++
			default:
				other++
			}
		}
	}
	reportReviews(b, latencies, content, other)
}

// statusFinal reports whether the composeguard status at head is final.
func statusFinal(e *gitlabE2E, head string) bool {
	for _, s := range e.project.Statuses() {
		if s.SHA == head && s.State != "running" && s.State != "pending" {
			return true
		}
	}
	return false
}

// reportReviews reports the p50 and p99 of latencies and the calls per
// review.
func reportReviews(b *testing.B, latencies []time.Duration, content, other int) {
	slices.Sort(latencies)
	n := len(latencies)
	b.ReportMetric(float64(latencies[n/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(latencies[min(n-1, n*99/100)].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(other)/float64(n), "api-calls/review")
	b.ReportMetric(float64(content)/float64(n), "content-calls/review")
}
