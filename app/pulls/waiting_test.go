package pulls_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/pulls"
)

// waiting lists what the dashboard would show, as "branch schedule|limited: why".
func (e *env) waiting() []string {
	e.t.Helper()
	ctx, client := e.t.Context(), e.hub.client()
	base, err := client.BranchHead(ctx, e.target.Repo, e.target.DefaultBranch)
	if err != nil {
		e.t.Fatal(err)
	}
	snap, err := client.Snapshot(ctx, e.target.Repo, base.SHA)
	if err != nil {
		e.t.Fatal(err)
	}
	ws, err := e.runner.Waiting(ctx, e.target, base, snap, e.now)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%s schedule=%t limited=%t: %s", w.Branch, w.Schedule, w.Limited, w.Why))
	}
	return out
}

// TestWaitingAndOpenedOnRequest: updates held back by the repository's
// schedule are listed without writing anything, and one opens on request
// outside the schedule; the pull request limits hold the next ones back,
// and a request opens one past them.
func TestWaitingAndOpenedOnRequest(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) {
		files := map[string]string{"compose.yaml": composeFile,
			policy.FileName: "bump:\n  schedule: \"0 6 * * 3\"\n  pr_hourly_limit: 1\n"}
		e := newEnv(t, on, files, stackTags)
		before := e.requests()
		wantLines(t, "Monday, scheduled for Wednesday", e.waiting(),
			minorBranch+` schedule=true limited=false: outside its schedule "0 6 * * 3"`,
			majorBranch+` schedule=true limited=false: outside its schedule "0 6 * * 3"`)
		wantLines(t, "writes while listing", e.writes(before))

		o, err := e.runner.OpenUpdate(t.Context(), e.target, majorBranch)
		if err != nil || o.Action != pulls.Opened {
			t.Fatalf("open now: %+v, %v", o, err)
		}
		wantLines(t, "after one was opened", e.waiting(),
			minorBranch+` schedule=true limited=false: outside its schedule "0 6 * * 3"`)

		e.now = monday06.Add(2*24*time.Hour + 5*time.Minute)
		e.repo.setPullCreated(o.Number, e.now.Add(-time.Minute))
		wantLines(t, "Wednesday, one opened this hour", e.waiting(),
			minorBranch+" schedule=false limited=true: 1 pull requests opened this hour, the limit (pr_hourly_limit)")
		o, err = e.runner.OpenUpdate(t.Context(), e.target, minorBranch)
		if err != nil || o.Action != pulls.Opened {
			t.Fatalf("open past the limit: %+v, %v", o, err)
		}
		if o, _ := e.runner.OpenUpdate(t.Context(), e.target, "composeguard/nothing-1.x"); o.Action != pulls.Failed {
			t.Errorf("a branch no update is due on: %+v", o)
		}
	})
}
