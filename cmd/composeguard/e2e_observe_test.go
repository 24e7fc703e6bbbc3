package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// TestE2EMetricsAndLogs reviews a pull request, then reads /metrics as
// Prometheus would and the log as a person would: the series a dashboard
// graphs, and the lines of the delivery and its job, each naming the pull
// request, none holding a secret (startE2EWith checks the tokens).
func TestE2EMetricsAndLogs(t *testing.T) {
	t.Parallel()
	eachAuth(t, func(t *testing.T, e *e2e) {
		head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
		p := e.pull(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
		e.opened(t, p, "opened")
		e.reviewed(t)

		checkMetrics(t, e.url, "github", len(e.fake.Requests()), []string{
			`composeguard_webhook_deliveries_total{event="pull_request",forge="github",outcome="queued"} 1`,
			`composeguard_forge_requests_total{code="200",forge="github",operation="GET /repos/{owner}/{repo}/git/trees/{tree_sha}"} 2`,
		}, map[string]int{"GET /repos/{owner}/{repo}/pulls/{pull_number}/files": 1, "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews": 1})

		// The delivery's line and the job's lines name the pull request, and
		// the job's name the delivery that queued it.
		var delivery string
		jobLines := 0
		for line := range strings.Lines(e.logs.String()) {
			var entry map[string]any
			if err := json.Unmarshal([]byte(line), &entry); err != nil {
				t.Fatalf("a log line is not JSON: %q", line)
			}
			_, ofJob := entry["job_id"]
			if entry["msg"] != "webhook delivery" && !ofJob {
				continue
			}
			if entry["repo"] != e2eOwner+"/"+e2eRepo || entry["pr"] != 2.0 || entry["delivery"] == nil {
				t.Errorf("a line of the delivery or its job does not name the delivery, repository and pull request: %s", line)
			}
			if !ofJob {
				delivery, _ = entry["delivery"].(string)
				continue
			}
			jobLines++
			if entry["delivery"] != delivery {
				t.Errorf("the job's line names delivery %v, the delivery's line %q: %s", entry["delivery"], delivery, line)
			}
		}
		if jobLines == 0 || delivery == "" {
			t.Errorf("no line of the delivery or of its job:\n%s", e.logs.String())
		}
	})
}

func TestGitLabE2EMetrics(t *testing.T) {
	t.Parallel()
	e := startGitLabE2E(t)
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	mr := e.mergeRequest(2, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	e.send(t, "open", mr, "")
	e.reviewed(t)
	checkMetrics(t, e.url, "gitlab", len(e.fake.Requests()), []string{
		`composeguard_webhook_deliveries_total{event="merge_request",forge="gitlab",outcome="queued"} 1`,
		`composeguard_forge_requests_total{code="201",forge="gitlab",operation="POST /projects/{id}/statuses/{sha}"} 1`,
	}, map[string]int{"GET /projects/{id}/merge_requests/{merge_request_iid}": 1, "POST /projects/{id}/merge_requests/{merge_request_iid}/discussions": 1})
}

// checkMetrics reads /metrics after one review of a pull request adding an
// insecure service: the series a dashboard graphs, want besides, every one
// of the requests the fake forge received counted under a route template,
// and the requests of some operations whatever they were answered (a
// conditional GET may be answered 304).
func checkMetrics(t *testing.T, url, forgeName string, requests int, want []string, operations map[string]int) {
	t.Helper()
	_, metrics := get(t, url+"/metrics")
	for _, want := range append(want,
		`composeguard_review_jobs_total{outcome="completed"} 1`,
		`composeguard_review_duration_seconds_count{outcome="completed"} 1`,
		`composeguard_job_latency_seconds_count{kind="review"} 1`,
		`composeguard_findings_total{rule="privileged-container"} 1`,
		`composeguard_findings_total{rule="port-bound-all-interfaces"} 1`,
		`composeguard_queue_jobs{kind="review",state="available"} 0`,
		`composeguard_queue_jobs{kind="review",state="running"} 0`,
	) {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	calls, byOperation := 0, map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^composeguard_forge_requests_total\{code="\w+",forge="(\w+)",operation="([^"]*)"\} (\d+)$`).FindAllStringSubmatch(metrics, -1) {
		if m[1] != forgeName || m[2] == "other" {
			t.Errorf("a request not named by its forge and route template: %s", m[0])
		}
		n, _ := strconv.Atoi(m[3])
		calls += n
		byOperation[m[2]] += n
	}
	if calls != requests {
		t.Errorf("composeguard_forge_requests_total counts %d requests, the fake received %d", calls, requests)
	}
	for op, n := range operations {
		if byOperation[op] != n {
			t.Errorf("%d requests of %s counted, want %d", byOperation[op], op, n)
		}
	}
}
