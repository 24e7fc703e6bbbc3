package review_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/golden"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

func matchGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

// goldenBase and goldenHead touch every part of the templates: new,
// existing and fixed findings, a value shared through an anchor, a waiver
// from the policy and one added inline, a policy change, suggestions, and
// new findings left out of the review by the cap (the base policy's 4) and
// by the diff.
const goldenDB = `  db:
    image: postgres:16.4
    user: "999:999"
    read_only: true
    tmpfs: [/tmp, /run]
    cap_drop: [ALL]
    networks: [backend]
    healthcheck:
      test: ["CMD", "pg_isready"]
    restart: unless-stopped
    deploy:
      resources:
        limits: {cpus: "1.0", memory: 1G, pids: 200}
`

const goldenPolicy = `exceptions:
  - rule: no-new-privileges-missing
    service: db
    reason: the entrypoint drops to the postgres user with gosu
    expires: 2030-06-30
`

var goldenBase = map[string]string{
	".composeguard.yml": goldenPolicy + "review:\n  max_inline_comments: 4\n",
	"compose.yaml":      reviewtest.Stack(reviewtest.Hardened("app"), goldenDB, reviewtest.Insecure("old", "7070")),
}

var goldenHead = map[string]string{
	".composeguard.yml": goldenPolicy + `  - rule: privileged-container
    service: "*"
    reason: needs raw sockets
    expires: 2030-04-01
rules:
  port-bound-all-interfaces: off
`,
	"compose.yaml": "x-debug: &debug\n  privileged: true\n\n" + reviewtest.Stack(reviewtest.Hardened("app"), goldenDB, `  web:
    <<: *debug
    image: nginx:1.27
    ports:
      - "8080:80"
  worker:
    # composeguard:ignore healthcheck-missing expires=2030-05-01 reason="the image declares one"
    <<: *debug
    image: ghcr.io/acme/worker:2.0.1
`),
}

func TestGoldenTemplates(t *testing.T) {
	f := newFake(goldenBase, goldenHead)
	// A comment from an earlier push, on a finding this head no longer has.
	f.reviewComments = []forge.Comment{{ID: 500, Path: "compose.yaml", Line: 9,
		Body: "earlier\n\n<!-- composeguard:fingerprint=00000000deadbeef -->", Author: "composeguard[bot]"}}
	f.lastID = 500
	run(t, reviewer(f), headSHA)

	check := f.lastCheck(t)
	matchGolden(t, "check_run_summary", check.Title+"\n\n"+check.Summary)
	matchGolden(t, "check_run_text", check.Text)
	if len(f.reviews) != 1 {
		t.Fatalf("%d reviews", len(f.reviews))
	}
	matchGolden(t, "review_body", f.reviews[0].Body)
	var comments []string
	for _, c := range f.reviews[0].Comments {
		comments = append(comments, "=== "+c.Path+":"+strconv.Itoa(c.Line)+"\n"+c.Body)
	}
	matchGolden(t, "review_comment", strings.Join(comments, "\n"))
	if !f.resolved[500] {
		t.Error("the earlier comment's thread is not resolved")
	}
	matchGolden(t, "summary_comment", f.summary(t))
}

func TestGoldenPolicyOnlyChange(t *testing.T) {
	head := map[string]string{"compose.yaml": goldenBase["compose.yaml"], ".composeguard.yml": "fail_on: never\noptions:\n  daemon_log_rotation: true\n"}
	f := newFake(goldenBase, head)
	run(t, reviewer(f), headSHA)
	check := f.lastCheck(t)
	matchGolden(t, "check_run_summary_no_compose", check.Title+"\n\n"+check.Summary)
}
