package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// privilegedPast opens a pull request adding n pages and, sorted after
// them, a compose file with a privileged service, and has it reviewed.
func privilegedPast(t *testing.T, e *e2e, n int) githubtest.Pull {
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}
	head := map[string]string{"compose.yaml": base["compose.yaml"], "zz/compose.yaml": reviewtest.Stack(reviewtest.Privileged("web"))}
	for i := range n {
		head[fmt.Sprintf("docs/%04d.md", i)] = fmt.Sprintf("page %d\n", i)
	}
	p := e.pull(2, base, head)
	e.opened(t, p, "opened")
	e.reviewed(t)
	return p
}

// TestE2EMoreFilesThanGitHubLists: GitHub lists 3,000 files of a pull
// request; a privileged compose file sorted after them is still reviewed.
func TestE2EMoreFilesThanGitHubLists(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	p := privilegedPast(t, e, 3000)
	run := e.verdict(t, p.Head)
	if run.Conclusion != "failure" || !strings.Contains(run.Summary, "`privileged-container`") {
		t.Errorf("check run %s %q: the compose file past GitHub's 3,000 files was not reviewed\n%s", run.Conclusion, run.Title, run.Summary)
	}
	if s := e.summary(t, p.Number); !strings.Contains(s.Body, "3,000 of its 3,001 changed files") {
		t.Errorf("the summary does not say which files could get no inline comment:\n%s", s.Body)
	}
}

// TestE2ETruncatedTreeFailsClosed: when GitHub cuts a tree listing short,
// composeguard cannot know which files changed: the check fails saying so.
func TestE2ETruncatedTreeFailsClosed(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	e.fake.SetTreeLimit(20)
	run := e.verdict(t, privilegedPast(t, e, 30).Head)
	if run.Conclusion != "failure" || !strings.Contains(run.Summary, "the forge listed only part of its files") {
		t.Errorf("check run %s %q over a truncated tree, want a failure saying so:\n%s", run.Conclusion, run.Title, run.Summary)
	}
}

// TestE2EExpiredExceptionFails: the server judges exceptions by the real
// clock; one that expired in 2020 waives nothing.
func TestE2EExpiredExceptionFails(t *testing.T) {
	t.Parallel()
	e := startE2E(t)
	pol := "exceptions:\n  - rule: privileged-container\n    service: \"*\"\n    reason: lab hosts\n    expires: 2020-01-31\n"
	p := e.pull(2, map[string]string{".composeguard.yml": pol, "compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{".composeguard.yml": pol, "compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Privileged("web"))})
	e.opened(t, p, "opened")
	e.reviewed(t)
	if run := e.verdict(t, p.Head); run.Conclusion != "failure" || !strings.Contains(run.Summary, "`privileged-container`") {
		t.Errorf("check run %s %q: the exception that expired on 2020-01-31 still waived the privileged service\n%s", run.Conclusion, run.Title, run.Summary)
	}
}
