package jobs

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

// TestStoreKeepsWhatReviewsPosted: the record of a pull request is what the
// writes recorded, in doubt from a write begun until it is recorded, with
// what a listing found added; a doubt another attempt may still be behind
// stays.
func TestStoreKeepsWhatReviewsPosted(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		ctx := context.Background()
		q := openQueue(t, db, nil)
		job := pr
		job.Job = 41
		posted := func(req forge.ReviewRequest) forge.Posted {
			t.Helper()
			p, err := q.Posted(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		if p := posted(job); p.Recorded || p.InDoubt || p.SummaryID != 0 || p.Run != 0 {
			t.Fatalf("a pull request never reviewed: %+v", p)
		}

		must(q.Writing(ctx, job))
		if p := posted(job); !p.InDoubt {
			t.Fatal("a write begun leaves the record trusted")
		}
		must(q.Wrote(ctx, job, forge.Posted{SummaryID: 5, SummaryDigest: "d1",
			Comments: []forge.PostedComment{{Fingerprints: []string{"aa", "ab"}}, {Fingerprints: []string{"bb"}}}}))
		must(q.Wrote(ctx, job, forge.Posted{Run: 77, Comments: []forge.PostedComment{{Fingerprints: []string{"bb"}, Settled: true}}}))
		want := forge.Posted{Recorded: true, SummaryID: 5, SummaryDigest: "d1", Run: 77,
			Comments: []forge.PostedComment{{Fingerprints: []string{"aa", "ab"}}, {Fingerprints: []string{"bb"}, Settled: true}}}
		if p := posted(job); !reflect.DeepEqual(p, want) {
			t.Errorf("record %+v, want %+v", p, want)
		}
		other := job
		other.Job = 42
		if p := posted(other); p.Run != 0 || p.SummaryID != 5 {
			t.Errorf("another job of the pull request: %+v, want the summary and no run", p)
		}

		// Job 42 dies between its write and the record; job 43 lists the
		// forge but cannot tell 42 is over, job 42's next attempt can.
		must(q.Writing(ctx, other))
		third := job
		third.Job = 43
		listed := forge.Posted{SummaryID: 6, SummaryDigest: "d2", Comments: []forge.PostedComment{{Fingerprints: []string{"cc"}}}}
		must(q.Listed(ctx, third, listed))
		if p := posted(third); !p.InDoubt || p.SummaryID != 6 || len(p.Comments) != 3 {
			t.Errorf("after a listing by another job: %+v, want the listing added, still in doubt", p)
		}
		must(q.Listed(ctx, other, listed))
		if p := posted(other); p.InDoubt {
			t.Error("the listing of the job whose write was in doubt left the doubt")
		}
	})
}

// TestStoreKnowsTheHeadOfEachPullRequest: each event's head is the pull
// request's until the next event; the others at a head are those whose
// latest event named it.
func TestStoreKnowsTheHeadOfEachPullRequest(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		ctx := context.Background()
		q := openQueue(t, db, nil)
		if head, err := q.Head(ctx, pr.Repo, pr.Number); err != nil || head != "" {
			t.Fatalf("head of a pull request without events: %q, %v", head, err)
		}
		enqueue(t, q, "d-1", pr)
		moved := pr
		moved.HeadSHA = "bbbb222"
		enqueue(t, q, "d-2", moved)
		if head, err := q.Head(ctx, pr.Repo, pr.Number); err != nil || head != moved.HeadSHA {
			t.Errorf("head %q, %v; want the latest event's", head, err)
		}
		sibling := moved
		sibling.Number = 13
		enqueue(t, q, "d-3", sibling)
		others, known, err := q.OthersAt(ctx, pr.Repo, pr.Number, moved.HeadSHA)
		if err != nil || !known || !slices.Equal(others, []int{13}) {
			t.Errorf("others at the head: %v %t %v, want [13]", others, known, err)
		}
		if others, _, _ := q.OthersAt(ctx, pr.Repo, pr.Number, pr.HeadSHA); len(others) != 0 {
			t.Errorf("others at a head left: %v", others)
		}
	})
}
