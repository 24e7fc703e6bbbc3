package jobs

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/forge"
)

// TestScoreTrend: a commit's score is recorded once, the newest first, the
// oldest forgotten past KeptScores, each repository apart.
func TestScoreTrend(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		ctx := t.Context()
		repo, other := pr.Repo, forge.Repo{Forge: forge.GitLab, Owner: "acme", Name: "stack"}
		start := time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)
		for i := range KeptScores + 5 {
			p := ScorePoint{SHA: fmt.Sprintf("sha%02d", i), At: start.Add(time.Duration(i) * time.Hour),
				Score: audit.Score{ContainerHardening: 1, ImageSecurity: 2, SystemSecurity: 3, Overall: float64(i) / 10}}
			if err := q.RecordScore(ctx, repo, p); err != nil {
				t.Fatal(err)
			}
		}
		// The same commit again, later: still one point.
		if err := q.RecordScore(ctx, repo, ScorePoint{SHA: "sha34", At: start.Add(100 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := q.RecordScore(ctx, other, ScorePoint{SHA: "gl", At: start}); err != nil {
			t.Fatal(err)
		}
		got, err := q.Scores(ctx, repo, 100)
		if err != nil {
			t.Fatal(err)
		}
		var shas []string
		for _, p := range got {
			shas = append(shas, p.SHA)
		}
		if len(got) != KeptScores || shas[0] != "sha34" || shas[len(shas)-1] != "sha05" {
			t.Fatalf("trend = %v, want the newest %d, sha34 down to sha05", shas, KeptScores)
		}
		if p := got[0]; !p.At.Equal(start.Add(34*time.Hour)) || p.Score != (audit.Score{ContainerHardening: 1, ImageSecurity: 2, SystemSecurity: 3, Overall: 3.4}) {
			t.Errorf("newest point = %+v", p)
		}
		if three, _ := q.Scores(ctx, repo, 3); !slices.EqualFunc(three, got[:3], func(a, b ScorePoint) bool { return a.SHA == b.SHA }) {
			t.Errorf("the newest 3 = %v", three)
		}
		if gl, _ := q.Scores(ctx, other, 10); len(gl) != 1 {
			t.Errorf("the other repository's trend = %v, want its one point", gl)
		}
	})
}

// TestDashboardIssueRecord: the body last written is kept per repository,
// replaced by the next.
func TestDashboardIssueRecord(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		ctx := t.Context()
		if _, _, found, err := q.DashboardIssue(ctx, pr.Repo); found || err != nil {
			t.Fatalf("before any: found=%v, %v", found, err)
		}
		for _, body := range []string{"first", "second"} {
			if err := q.SaveDashboardIssue(ctx, pr.Repo, 7, body); err != nil {
				t.Fatal(err)
			}
		}
		n, body, found, err := q.DashboardIssue(ctx, pr.Repo)
		if n != 7 || body != "second" || !found || err != nil {
			t.Errorf("DashboardIssue = %d, %q, %v, %v; want 7, second", n, body, found, err)
		}
	})
}

// TestClaimingTheDashboardIssue: one refresh at a time may open a
// repository's dashboard; a claim given back, gone stale, or on an issue
// found deleted may be taken again; one on an issue someone recorded since
// may not.
func TestClaimingTheDashboardIssue(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		ctx := t.Context()
		claim := func(recorded int) bool {
			t.Helper()
			ok, err := q.ClaimDashboardIssue(ctx, pr.Repo, recorded)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !claim(0) || claim(0) {
			t.Fatal("a first claim, then a second while it holds: want taken, then refused")
		}
		if err := q.ReleaseDashboardIssue(ctx, pr.Repo); err != nil {
			t.Fatal(err)
		}
		if !claim(0) {
			t.Fatal("a claim given back could not be taken")
		}
		if _, err := q.db.exec(ctx, `UPDATE dashboards SET updated_at = ?`, q.db.timeValue(time.Now().Add(-3*time.Minute))); err != nil {
			t.Fatal(err)
		}
		if !claim(0) {
			t.Fatal("a stale claim could not be taken")
		}
		if err := q.SaveDashboardIssue(ctx, pr.Repo, 7, "body"); err != nil {
			t.Fatal(err)
		}
		if claim(0) || claim(8) {
			t.Error("a claim was taken over issue #7, which the caller did not find gone")
		}
		if !claim(7) {
			t.Error("issue #7 found gone: its claim could not be taken")
		}
		if n, _, found, _ := q.DashboardIssue(ctx, pr.Repo); !found || n != 0 {
			t.Errorf("after the claim the record names #%d", n)
		}
	})
}
