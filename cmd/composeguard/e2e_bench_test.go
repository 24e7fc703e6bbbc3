package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
	"github.com/composeguard/composeguard/app/jobs/jobstest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// BenchmarkReview measures, on loopback against the fake GitHub adding
// 20 ms to every call, a new pull request touching three compose files:
// the time from the delivery being sent to the check run completing
// (p50-ms, p99-ms), and the API calls of its review, those fetching file
// contents (content-calls) apart from the others (api-calls); then the
// calls of the review of a push adding a problem to one of the files
// (push-api-calls, push-content-calls).
//
//	go test ./cmd/composeguard -run '^$' -bench Review -benchtime 100x
func BenchmarkReview(b *testing.B) {
	e := startE2E(b)
	e.fake.SetLatency(20 * time.Millisecond)
	base := threeStacks(func(int) []string { return nil })
	baseSHA := e.repo.Commit(base)
	e.opened(b, e.pull(1, base, base), "opened") // the installation token, fetched once an hour
	e.reviewed(b)

	var latencies []time.Duration
	var first, push calls
	number := 1
	for b.Loop() {
		number++
		p := githubtest.Pull{Number: number, Title: "Harden the stacks", Base: baseSHA, Head: e.repo.Commit(threeStacks(insecureIn(number)))}
		e.repo.AddPull(p)
		before := len(e.fake.Requests())

		start := time.Now()
		e.opened(b, p, "opened")
		for !completed(e, p.Head) {
			time.Sleep(time.Millisecond)
		}
		latencies = append(latencies, time.Since(start))
		e.reviewed(b)
		first.add(requestsSince(e, before))

		p.Head = e.repo.Commit(threeStacks(withExtra(number)))
		e.repo.Push(p.Number, p.Head)
		before = len(e.fake.Requests())
		e.opened(b, p, "synchronize")
		e.reviewed(b)
		push.add(requestsSince(e, before))
	}
	reportReviews(b, latencies, first, push)
}

// calls adds up the requests of reviews, those fetching contents apart.
type calls struct{ other, content int }

func (c *calls) add(other map[string]int, content int) {
	for _, n := range other {
		c.other += n
	}
	c.content += content
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
// those reading file contents (the tree and raw blobs) apart, then those of
// a push adding a problem.
//
//	go test ./cmd/composeguard -run '^$' -bench GitLabReview -benchtime 40x
func BenchmarkGitLabReview(b *testing.B) {
	e := startGitLabE2E(b)
	e.fake.SetLatency(20 * time.Millisecond)
	base := threeStacks(func(int) []string { return nil })
	baseSHA := e.project.Commit(base)
	e.send(b, "open", e.mergeRequest(1, base, base), "") // the token's user, read once
	e.reviewed(b)

	var latencies []time.Duration
	var first, push calls
	count := func(before int) (map[string]int, int) {
		other := map[string]int{}
		content := 0
		for _, r := range e.fake.Requests()[before:] {
			switch r.Pattern {
			case "GET /projects/{id}/repository/tree", "GET /projects/{id}/repository/blobs/{sha}/raw":
				content++
			default:
				other[r.Pattern]++
			}
		}
		return other, content
	}
	iid := int64(1)
	for b.Loop() {
		iid++
		mr := gitlabtest.MergeRequest{IID: iid, Title: "Harden the stacks", Base: baseSHA, Head: e.project.Commit(threeStacks(insecureIn(int(iid))))}
		e.project.AddMergeRequest(mr)
		before := len(e.fake.Requests())

		start := time.Now()
		e.send(b, "open", mr, "")
		for !statusFinal(e, mr.Head) {
			time.Sleep(time.Millisecond)
		}
		latencies = append(latencies, time.Since(start))
		e.reviewed(b)
		first.add(count(before))

		old := mr.Head
		mr.Head = e.project.Commit(threeStacks(withExtra(int(iid))))
		e.project.Push(mr.IID, mr.Head)
		before = len(e.fake.Requests())
		e.send(b, "update", mr, old)
		e.reviewed(b)
		push.add(count(before))
	}
	reportReviews(b, latencies, first, push)
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
// review, of a new pull request and of a push.
func reportReviews(b *testing.B, latencies []time.Duration, first, push calls) {
	slices.Sort(latencies)
	n := len(latencies)
	b.ReportMetric(float64(latencies[n/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(latencies[min(n-1, n*99/100)].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(first.other)/float64(n), "api-calls/review")
	b.ReportMetric(float64(first.content)/float64(n), "content-calls/review")
	b.ReportMetric(float64(push.other)/float64(n), "push-api-calls/review")
	b.ReportMetric(float64(push.content)/float64(n), "push-content-calls/review")
}

// BenchmarkReviewThroughput measures how many reviews per second the
// server finishes when b.N pull requests, each touching three compose
// files, are opened at once, on loopback against the fake GitHub adding
// 20 ms to every call: one process on SQLite, and two processes sharing
// PostgreSQL with the deliveries sent to either in turn. The processes run
// the binary the tests build, with the default number of workers
// (COMPOSEGUARD_REVIEW_WORKERS, which the benchmark passes on when set).
//
//	go test ./cmd/composeguard -run '^$' -bench ReviewThroughput -benchtime 200x
func BenchmarkReviewThroughput(b *testing.B) {
	bin := buildServer(b)
	b.Run("sqlite-1-process", func(b *testing.B) {
		reviewThroughput(b, bin, "sqlite://"+filepath.Join(b.TempDir(), "composeguard.db"), 1)
	})
	b.Run("postgres-2-processes", func(b *testing.B) {
		reviewThroughput(b, bin, jobstest.PostgresURL(b), 2)
	})
}

func reviewThroughput(b *testing.B, bin, dbURL string, processes int) {
	fake, repo := e2eGitHub(b)
	fake.SetLatency(20 * time.Millisecond)
	env := e2eEnv(fake, "")
	env["COMPOSEGUARD_DATABASE_URL"] = dbURL
	env["TMPDIR"] = b.TempDir()
	// Another number of workers, to compare.
	if n := os.Getenv("COMPOSEGUARD_REVIEW_WORKERS"); n != "" {
		env["COMPOSEGUARD_REVIEW_WORKERS"] = n
	}
	var servers []*child
	for range processes {
		servers = append(servers, startChild(b, bin, env))
	}
	db := openDB(b, dbURL)
	stacks := []string{"stacks/web/compose.yaml", "stacks/db/compose.yaml", "stacks/mail/compose.yaml"}
	base := map[string]string{"README.md": "three stacks\n"}
	for _, s := range stacks {
		base[s] = reviewtest.Stack(reviewtest.Hardened("app"))
	}
	baseSHA := repo.Commit(base)
	// Each process fetches its installation token once an hour: before
	// the clock starts.
	for i, s := range servers {
		p := githubtest.Pull{Number: 1 + i, Title: "Warm up", Base: baseSHA, Head: repo.Commit(map[string]string{"README.md": fmt.Sprint(i)})}
		repo.AddPull(p)
		sendPull(b, s.url, repo, p)
	}
	waitIdle(b, db, time.Minute)

	var deliveries [][]byte
	var heads []string
	for i := range b.N {
		number := 100 + i
		head := map[string]string{"README.md": base["README.md"]}
		for j, s := range stacks {
			head[s] = reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure(fmt.Sprintf("svc%d", number), fmt.Sprint(8000+j)))
		}
		p := githubtest.Pull{Number: number, Title: "Harden the stacks", Base: baseSHA, Head: repo.Commit(head)}
		repo.AddPull(p)
		deliveries = append(deliveries, pullRequestEvent(b, repo, "opened", p))
		heads = append(heads, p.Head)
	}
	b.ResetTimer()
	start := time.Now()
	for i, body := range deliveries {
		url := servers[i%len(servers)].url
		if code := postDelivery(b, url, "pull_request", fmt.Sprintf("throughput-%d", i), signE2E(body), body); code != http.StatusAccepted {
			b.Fatalf("delivery %d: %d, want 202", i, code)
		}
	}
	waitIdle(b, db, 10*time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	for _, head := range heads {
		if !completed(&e2e{repo: repo}, head) {
			b.Fatalf("no completed check run at %s", head)
		}
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reviews/s")
}

// sendPull delivers pull_request opened for p to the server at url.
func sendPull(b *testing.B, url string, repo *githubtest.Repo, p githubtest.Pull) {
	body := pullRequestEvent(b, repo, "opened", p)
	if code := postDelivery(b, url, "pull_request", "warm-up-"+fmt.Sprint(p.Number), signE2E(body), body); code != http.StatusAccepted {
		b.Fatalf("warm-up delivery: %d, want 202", code)
	}
}
