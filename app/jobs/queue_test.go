package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
)

func TestEnqueuedReviewRuns(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		reviewer := &fakeReviewer{}
		q := openQueue(t, db, reviewer)

		if got := enqueue(t, q, "d-1", pr); got != Queued {
			t.Fatalf("outcome %s, want queued", got)
		}
		eventually(t, "the review to complete", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })
		runs, gaveUp := reviewer.counts()
		if runs != 1 || gaveUp != 0 {
			t.Fatalf("%d runs, %d give-ups", runs, gaveUp)
		}
		// The request names its job, so the review can tell its own check
		// run from an earlier job's.
		got := reviewer.runs[0]
		if got.Job == 0 || got.Job != mapJobs(t, q, "review", func(j *rivertype.JobRow) int64 { return j.ID })[0] {
			t.Errorf("the review was told job %d", got.Job)
		}
		if got.Job = 0; got != pr {
			t.Errorf("reviewer got %v, want %v", got, pr)
		}
	})
}

func TestRedeliveryInsertsNothing(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		enqueue(t, q, "d-1", pr)
		for range 3 {
			if got := enqueue(t, q, "d-1", pr); got != Duplicate {
				t.Errorf("redelivery: %s, want duplicate", got)
			}
		}
		// The same delivery id from another forge is another delivery.
		if got, err := q.Enqueue(context.Background(), Delivery{Forge: forge.GitLab, ID: "d-1", Event: "event of d-1"}, pr); err != nil || got != Coalesced {
			t.Errorf("another provider's delivery: %s %v", got, err)
		}
		if states := jobStates(t, q, "review"); len(states) != 1 {
			t.Errorf("%d jobs, want 1", len(states))
		}
	})
}

func TestReplayUnderANewDeliveryIDDoesNothing(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		reviewer := &fakeReviewer{}
		q := openQueue(t, db, reviewer)
		enqueueEvent(t, q, "d-1", "pull_request opened", pr)
		eventually(t, "the review", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })

		for _, id := range []string{"d-2", "d-3"} {
			if got := enqueueEvent(t, q, id, "pull_request opened", pr); got != Replayed {
				t.Errorf("the event again under %s: %s, want replayed", id, got)
			}
		}
		if states := jobStates(t, q, "review"); len(states) != 1 {
			t.Errorf("%d reviews, want 1", len(states))
		}
		// The replay's delivery id was not kept: it may still bring a new event.
		if got := enqueueEvent(t, q, "d-2", "pull_request reopened", pr); got != Queued {
			t.Errorf("a new event under a replay's delivery id: %s, want queued", got)
		}
		if deliveries := count(t, q, "deliveries"); deliveries != 2 {
			t.Errorf("%d deliveries kept, want 2: replays leave nothing", deliveries)
		}
	})
}

func TestEnqueueRefusesADeliveryWithoutItsEvent(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		if _, err := q.Enqueue(context.Background(), Delivery{Forge: pr.Repo.Forge, ID: "d-1"}, pr); err == nil {
			t.Error("a delivery without an event identity would make every later one a replay")
		}
	})
}

func TestSameHeadCoalesces(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		enqueue(t, q, "d-1", pr)
		if got := enqueue(t, q, "d-2", pr); got != Coalesced {
			t.Errorf("second delivery for the same head: %s, want coalesced", got)
		}
		moved := pr
		moved.HeadSHA = "bbbb222"
		if got := enqueue(t, q, "d-3", moved); got != Queued {
			t.Errorf("a new head: %s, want queued", got)
		}
		other := pr
		other.Number = 13
		if got := enqueue(t, q, "d-4", other); got != Queued {
			t.Errorf("another pull request: %s, want queued", got)
		}
		if states := jobStates(t, q, "review"); len(states) != 3 {
			t.Errorf("%d jobs, want 3", len(states))
		}
	})
}

func TestRerunAfterReviewFinished(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		reviewer := &fakeReviewer{}
		q := openQueue(t, db, reviewer)
		enqueue(t, q, "d-1", pr)
		eventually(t, "the first review", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })

		// The re-run button sends a new delivery for the same head.
		if got := enqueue(t, q, "d-rerun", pr); got != Queued {
			t.Fatalf("re-run: %s, want queued", got)
		}
		eventually(t, "the re-run", func() bool { runs, _ := reviewer.counts(); return runs == 2 })
		if reviewer.runs[0].Job == reviewer.runs[1].Job {
			t.Error("the re-run is told the first review's job: it would keep that review's check run")
		}
	})
}

func TestRetryableErrorThenSuccess(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		reviewer := &fakeReviewer{run: func(_ context.Context, attempt int) error {
			if attempt == 1 {
				return &forge.RetryableError{After: 50 * time.Millisecond, Err: errors.New("GitHub answered 502")}
			}
			return nil
		}}
		q := openQueue(t, db, reviewer)
		start := time.Now()
		enqueue(t, q, "d-1", pr)
		eventually(t, "the retry to succeed", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })
		if runs, gaveUp := reviewer.counts(); runs != 2 || gaveUp != 0 || reviewer.runs[0].Job != reviewer.runs[1].Job {
			t.Errorf("%d runs and %d give-ups of jobs %v, want 2 and 0 of one job", runs, gaveUp, reviewer.runs)
		}
		if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
			t.Errorf("retried after %s, before the RetryableError's After", elapsed)
		}
	})
}

func TestRetryWaitsForAfter(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		reviewer := &fakeReviewer{run: func(context.Context, int) error {
			return &forge.RetryableError{After: time.Hour, Err: errors.New("rate limited")}
		}}
		q := openQueue(t, db, reviewer)
		enqueue(t, q, "d-1", pr)
		eventually(t, "the job to wait", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"retryable"}) })

		scheduled := mapJobs(t, q, "review", func(j *rivertype.JobRow) time.Time { return j.ScheduledAt })[0]
		if wait := time.Until(scheduled); wait < 59*time.Minute || wait > time.Hour {
			t.Errorf("retry scheduled in %s, want the hour GitHub asked for", wait)
		}
	})
}

func TestFinalFailureGivesUpOnce(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		outage := errors.New("GitHub answered 503")
		reviewer := &fakeReviewer{run: func(context.Context, int) error {
			return &forge.RetryableError{After: time.Millisecond, Err: outage}
		}}
		q := openQueue(t, db, reviewer)
		enqueue(t, q, "d-1", pr)
		eventually(t, "the job to be discarded", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"discarded"}) })

		runs, gaveUp := reviewer.counts()
		if runs != maxReviewAttempts || gaveUp != 1 {
			t.Fatalf("%d runs and %d give-ups, want %d and 1", runs, gaveUp, maxReviewAttempts)
		}
		if !errors.Is(reviewer.gaveUp[0], outage) {
			t.Errorf("GiveUp got %v, want the last error", reviewer.gaveUp[0])
		}
	})
}

func TestPermanentFailureGivesUpAtOnce(t *testing.T) {
	for name, run := range map[string]func(context.Context, int) error{
		"error": func(context.Context, int) error { return forge.ErrNotFound },
		"panic": func(context.Context, int) error { panic("bug") },
	} {
		t.Run(name, func(t *testing.T) {
			onEach(t, func(t *testing.T, db string) {
				reviewer := &fakeReviewer{run: run}
				q := openQueue(t, db, reviewer)
				enqueue(t, q, "d-1", pr)
				eventually(t, "the job to be cancelled", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"cancelled"}) })
				if runs, gaveUp := reviewer.counts(); runs != 1 || gaveUp != 1 {
					t.Errorf("%d runs and %d give-ups, want 1 and 1", runs, gaveUp)
				}
			})
		})
	}
}

func TestAcknowledgedDeliverySurvivesRestart(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		receiver := openQueue(t, db, nil)
		enqueue(t, receiver, "d-1", pr)
		receiver.Close()

		reviewer := &fakeReviewer{}
		q := openQueue(t, db, reviewer)
		eventually(t, "the review after the restart", func() bool { runs, _ := reviewer.counts(); return runs == 1 })
		if got := enqueue(t, q, "d-1", pr); got != Duplicate {
			t.Errorf("a redelivery after the restart: %s, want duplicate", got)
		}
	})
}

func TestReviewInterruptedByStopRunsAfterRestart(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		started := make(chan struct{})
		blocked := &fakeReviewer{run: func(ctx context.Context, _ int) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}}
		first, err := Open(context.Background(), db, Options{Reviewer: blocked, pollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := first.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		enqueue(t, first, "d-1", pr)
		<-started
		stopCtx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		first.Stop(stopCtx) // the review is still running when the drain times out
		first.Close()

		// Handed back, not left running: it runs at once, without waiting
		// for a rescue.
		reviewer := &fakeReviewer{}
		q := openQueueWith(t, db, Options{Reviewer: reviewer, JobTimeout: 50 * time.Minute, RescueAfter: time.Hour})
		eventually(t, "the interrupted review to run again", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })
		if _, gaveUp := blocked.counts(); gaveUp != 0 {
			t.Error("a review interrupted by shutdown was given up")
		}
		if runs, _ := reviewer.counts(); runs != 1 {
			t.Errorf("%d runs after the restart, want 1", runs)
		}
	})
}

func TestPullRequestForHead(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		enqueue(t, q, "d-1", pr)
		ctx := context.Background()
		if n, ok, err := q.PullRequestForHead(ctx, pr.Repo, pr.HeadSHA); err != nil || !ok || n != pr.Number {
			t.Errorf("known head: %d %v %v", n, ok, err)
		}
		if _, ok, err := q.PullRequestForHead(ctx, pr.Repo, "cccc333"); err != nil || ok {
			t.Errorf("unknown head: %v %v", ok, err)
		}
	})
}

func TestOpenFailsWithoutQuotingThePassword(t *testing.T) {
	for _, url := range []string{
		"mysql://composeguard:s3cret@127.0.0.1/jobs",
		// Nothing listens on port 1.
		"postgres://composeguard:s3cret@127.0.0.1:1/jobs?connect_timeout=2",
		"postgresql://composeguard:s3cret@127.0.0.1:5432/jobs?sslmode=s3cret",
		"postgres://composeguard:s3cret@127.0.0.1:s3cret/jobs",
	} {
		_, err := Open(t.Context(), url, Options{})
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open: %v; want an error that does not quote the password", err)
		}
	}
}

func TestReady(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		ctx := context.Background()
		if err := q.Ready(ctx); err != nil {
			t.Fatalf("fresh database: %v", err)
		}
		for _, table := range []string{"river_migration", "composeguard_migration"} {
			max := "(SELECT MAX(version) FROM " + table + ")"
			if _, err := q.db.exec(ctx, "DELETE FROM "+table+" WHERE version = "+max); err != nil {
				t.Fatal(err)
			}
			if err := q.Ready(ctx); err == nil {
				t.Errorf("ready with a migration of %s missing", table)
			}
			if _, err := migrate(ctx, q.db, q.logger); err != nil {
				t.Fatal(err)
			}
			if err := q.Ready(ctx); err != nil {
				t.Errorf("migrated again: %v", err)
			}
		}
		q.Close()
		if err := q.Ready(ctx); err == nil {
			t.Error("ready with the database closed")
		}
	})
}

func TestPrune(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		ctx := t.Context()
		now := time.Now()
		for id, age := range map[string]time.Duration{"old": 9 * 24 * time.Hour, "recent": 2 * 24 * time.Hour} {
			at := q.db.timeValue(now.Add(-age))
			if _, err := q.db.exec(ctx, `INSERT INTO deliveries (provider, delivery_id, received_at) VALUES ('github', ?, ?)`, id, at); err != nil {
				t.Fatal(err)
			}
			if _, err := q.db.exec(ctx, `INSERT INTO delivered_events (provider, event, received_at) VALUES ('github', ?, ?)`, id+" event", at); err != nil {
				t.Fatal(err)
			}
		}
		if err := prune(ctx, q.db, now); err != nil {
			t.Fatal(err)
		}
		// A delivery GitHub may still redeliver is remembered; an older one is not.
		if got := enqueue(t, q, "recent", forge.ReviewRequest{}); got != Duplicate {
			t.Errorf("recent delivery: %s, want duplicate", got)
		}
		if got := enqueue(t, q, "old", pr); got != Queued {
			t.Errorf("pruned delivery: %s, want queued", got)
		}
		// So it is with events: a replay is refused while a redelivery would be.
		if got := enqueueEvent(t, q, "d-2", "recent event", pr); got != Replayed {
			t.Errorf("recent event: %s, want replayed", got)
		}
		if got := enqueueEvent(t, q, "d-3", "old event", pr); got != Coalesced {
			t.Errorf("pruned event: %s, want coalesced with the review of the same head", got)
		}
	})
}

func TestJobMetrics(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		registry := prometheus.NewRegistry()
		reviewer := &fakeReviewer{run: func(_ context.Context, attempt int) error {
			if attempt == 1 {
				return &forge.RetryableError{After: time.Millisecond, Err: errors.New("GitHub answered 502")}
			}
			return nil
		}}
		q, err := Open(context.Background(), db, Options{Reviewer: reviewer, Registerer: registry, pollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		defer q.Stop(context.Background())
		enqueue(t, q, "d-1", pr)
		eventually(t, "the review", func() bool { return slices.Equal(jobStates(t, q, "review"), []string{"completed"}) })

		// What a dashboard graphs: attempts by outcome, their durations,
		// the wait before each attempt, and the queue now empty.
		want := `
# HELP composeguard_review_jobs_total Review job runs by outcome: completed, retried, gave_up (failed for good) or interrupted (by shutdown).
# TYPE composeguard_review_jobs_total counter
composeguard_review_jobs_total{outcome="completed"} 1
composeguard_review_jobs_total{outcome="retried"} 1
`
		if err := testutil.GatherAndCompare(registry, strings.NewReader(want), "composeguard_review_jobs_total"); err != nil {
			t.Error(err)
		}
		got := map[string]uint64{}
		families, err := registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				name := f.GetName()
				for _, l := range m.GetLabel() {
					name += "/" + l.GetValue()
				}
				if h := m.GetHistogram(); h != nil {
					got[name] = h.GetSampleCount()
				}
				if g := m.GetGauge(); g != nil && g.GetValue() > 0 {
					got[name] = uint64(g.GetValue())
				}
			}
		}
		for name, n := range map[string]uint64{
			"composeguard_review_duration_seconds/completed": 1,
			"composeguard_review_duration_seconds/retried":   1,
			"composeguard_job_latency_seconds/review":        2,
		} {
			if got[name] != n {
				t.Errorf("%s: %d observations, want %d (%v)", name, got[name], n, got)
			}
		}
		for name := range got {
			if strings.HasPrefix(name, "composeguard_queue_jobs/review/") {
				t.Errorf("the queue still shows a review job: %s %d", name, got[name])
			}
		}
		if n := testutil.CollectAndCount(registry, "composeguard_queue_jobs"); n != len(queueKinds)*len(queueStates) {
			t.Errorf("composeguard_queue_jobs has %d series, want one per kind and state (%d)", n, len(queueKinds)*len(queueStates))
		}
	})
}

// TestQueueDepth: the jobs waiting show on the scrape by kind and state.
func TestQueueDepth(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		registry := prometheus.NewRegistry()
		// No Start: queued jobs wait.
		q, err := Open(context.Background(), db, Options{Reviewer: &fakeReviewer{}, Registerer: registry})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		for i := range 3 {
			req := pr
			req.HeadSHA = fmt.Sprintf("%040d", i)
			enqueue(t, q, fmt.Sprintf("d-%d", i), req)
		}
		want := `composeguard_queue_jobs{kind="review",state="available"} 3
composeguard_queue_jobs{kind="review",state="retryable"} 0
composeguard_queue_jobs{kind="review",state="running"} 0
composeguard_queue_jobs{kind="review",state="scheduled"} 0
`
		// Compared for the review kind only: filter the others out.
		families, err := registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		for _, f := range families {
			if f.GetName() != "composeguard_queue_jobs" {
				continue
			}
			for _, m := range f.GetMetric() {
				if m.GetLabel()[0].GetValue() == "review" {
					fmt.Fprintf(&got, "%s{kind=%q,state=%q} %g\n", f.GetName(), m.GetLabel()[0].GetValue(), m.GetLabel()[1].GetValue(), m.GetGauge().GetValue())
				}
			}
		}
		if got.String() != want {
			t.Errorf("queue depth:\n%s\nwant:\n%s", got.String(), want)
		}
	})
}
