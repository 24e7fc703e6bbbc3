package main

import (
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// TestE2ESameHeadIntoTwoBases: one commit is the head of a pull request
// into main, whose policy fails a privileged service, and of one into a
// branch whose policy fails nothing. GitHub shows one composeguard check
// per commit, so whichever review ends last, every run there fails,
// naming the pull request whose policy fails it.
func TestE2ESameHeadIntoTwoBases(t *testing.T) {
	t.Parallel()
	// With a personal token the check is a commit status, one per commit.
	for _, token := range []bool{false, true} {
		for _, order := range [][]int{{2, 3}, {3, 2}} {
			e := startE2EWith(t, token, nil)
			head := sameHeadPulls(t, e, order)
			if e.token {
				statuses := e.repo.Statuses()
				if last := statuses[len(statuses)-1]; last.SHA != head || last.State != "failure" {
					t.Errorf("order %v: the commit status GitHub shows is %s %q", order, last.State, last.Description)
				}
				continue
			}
			runs := e.runsAt(head)
			if len(runs) != 2 {
				t.Fatalf("order %v: %d runs at the head, want one per pull request", order, len(runs))
			}
			for _, r := range runs {
				if r.Status != "completed" || r.Conclusion != "failure" {
					t.Errorf("order %v: run %d (%s) is %s %s %q: the lax base's verdict shows on a commit main's policy fails", order, r.ID, r.ExternalID, r.Status, r.Conclusion, r.Title)
				}
				if strings.Contains(r.ExternalID, "#3@") && !strings.Contains(r.Title+r.Summary, "#2") {
					t.Errorf("order %v: #3's run does not name #2, whose policy fails the commit: %q\n%s", order, r.Title, r.Summary)
				}
			}
		}
	}
}

// sameHeadPulls opens #2 into main (the default policy) and #3 into lab
// (fail_on: never) from one head adding a privileged service, and has
// them reviewed in order; it returns the head.
func sameHeadPulls(t *testing.T, e *e2e, order []int) string {
	stack := reviewtest.Stack(reviewtest.Hardened("app"))
	strict := e.repo.Commit(map[string]string{"compose.yaml": stack})
	lax := e.repo.Commit(map[string]string{"compose.yaml": stack, ".composeguard.yml": "fail_on: never\n"})
	head := e.repo.Commit(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Privileged("web")), ".composeguard.yml": "fail_on: never\n"})
	pulls := map[int]githubtest.Pull{
		2: {Number: 2, Title: "Into main", Base: strict, Head: head, BaseRef: "main"},
		3: {Number: 3, Title: "Into lab", Base: lax, Head: head, BaseRef: "lab"},
	}
	for _, n := range order {
		e.repo.AddPull(pulls[n])
		e.opened(t, pulls[n], "opened")
		e.reviewed(t)
	}
	return head
}
