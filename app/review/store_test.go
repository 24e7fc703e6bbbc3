package review_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/review"
	"github.com/composeguard/composeguard/app/review/reviewtest"
)

// crashingStore dies, as the process would, before recording the write
// numbered at (1 for the first): the forge took the write, the store never
// heard of it.
type crashingStore struct {
	*reviewtest.Store
	at, writes int
}

var errKilled = errors.New("killed before the record")

func (s *crashingStore) Wrote(ctx context.Context, req forge.ReviewRequest, p forge.Posted) error {
	if s.writes++; s.writes == s.at {
		return errKilled
	}
	return s.Store.Wrote(ctx, req, p)
}

// opened is the request of the event that opened the pull request at
// head, with the pull request it describes, as the job carries it.
func opened(f *fakeForge, job int64) forge.ReviewRequest {
	pr := f.pr
	return forge.ReviewRequest{Repo: repo, Number: 7, HeadSHA: pr.HeadSHA, Pull: &pr, Opened: true, Job: job}
}

func insecurePull() *fakeForge {
	return newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"), reviewtest.Privileged("api"))})
}

// TestStoredReviewReadsOnlyWhatItMust: with its store, the review of a new
// pull request reads nothing of what is posted (the event opened it) nor
// the pull request (the event described it); only the lines it may comment
// on, and the contents.
func TestStoredReviewReadsOnlyWhatItMust(t *testing.T) {
	f := insecurePull()
	store := reviewtest.NewStore()
	req := opened(f, 1)
	store.Saw(req)
	r := reviewer(f)
	r.Store = store
	if err := r.Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := []string{"ChangedFiles", "Snapshot", "Snapshot", "CreateReview", "CreateIssueComment", "CreateCheckRun"}
	if !slices.Equal(f.calls, want) {
		t.Errorf("calls %v, want %v", f.calls, want)
	}
	if len(f.reviewComments) != 2 || len(f.issueComments) != 1 || len(f.checkRuns) != 1 {
		t.Errorf("%d comments, %d summaries, %d runs posted", len(f.reviewComments), len(f.issueComments), len(f.checkRuns))
	}
}

// TestCrashBetweenWriteAndRecordPostsNothingTwice: the process dies after
// each write the forge took, before the store recorded it; the job's next
// attempt finds the record in doubt, lists the forge instead, and posts
// only what is missing: one review, one summary, one check run.
func TestCrashBetweenWriteAndRecordPostsNothingTwice(t *testing.T) {
	for at, write := range []string{"the review", "the summary", "the check run"} {
		t.Run(write, func(t *testing.T) {
			f := insecurePull()
			store := &crashingStore{Store: reviewtest.NewStore(), at: at + 1}
			req := opened(f, 1)
			store.Saw(req)
			r := reviewer(f)
			r.Store = store
			if err := r.Run(context.Background(), req); !errors.Is(err, errKilled) {
				t.Fatalf("Run = %v, want the crash", err)
			}
			listed := store.Listing
			if err := r.Run(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if store.Listing != listed+1 {
				t.Error("the attempt after the crash trusted a record in doubt")
			}
			if len(f.reviews) != 1 || len(f.issueComments) != 1 || len(f.checkRuns) != 1 {
				t.Errorf("%d reviews, %d summaries, %d check runs after the crash, want one each", len(f.reviews), len(f.issueComments), len(f.checkRuns))
			}
			// The record is whole again: a re-run reads nothing posted.
			f.calls = nil
			rerun := req
			rerun.Job, rerun.Opened = 2, false
			if err := r.Run(context.Background(), rerun); err != nil {
				t.Fatal(err)
			}
			for _, c := range f.calls {
				if slices.Contains([]string{"ReviewComments", "IssueComments", "CheckRuns", "CreateReview", "CreateIssueComment", "EditIssueComment"}, c) {
					t.Errorf("the re-run called %s: %v", c, f.calls)
				}
			}
		})
	}
}

// TestStaleOrMissingRecordFallsBackToListing: a record that is gone (a
// pull request reviewed before the store, or forgotten) or wrong (a summary
// id the forge no longer has) leads to listing what is posted, never to a
// second summary or comment.
func TestStaleOrMissingRecordFallsBackToListing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(*reviewtest.Store)
	}{
		{"missing", func(s *reviewtest.Store) { s.Forget(repo, 7) }},
		{"stale summary", func(s *reviewtest.Store) {
			// The summary was deleted; the record still names it.
			p, _ := s.Posted(context.Background(), forge.ReviewRequest{Repo: repo, Number: 7})
			p.SummaryID = 4242
			s.Record(repo, 7, p)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := insecurePull()
			store := reviewtest.NewStore()
			req := opened(f, 1)
			store.Saw(req)
			r := &review.PullRequestReview{Forge: f, Now: reviewer(f).Now, Store: store}
			if err := r.Run(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			tc.spoil(store)
			// A push keeping the problems, plus one more.
			f.push("9e9e444444444444444444444444444444444444", map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
				reviewtest.Insecure("web", "8080"), reviewtest.Privileged("api"), reviewtest.Privileged("extra"))})
			push := forge.ReviewRequest{Repo: repo, Number: 7, HeadSHA: f.pr.HeadSHA, Pull: &f.pr, Job: 2}
			store.Saw(push)
			f.calls = nil
			if err := r.Run(context.Background(), push); err != nil {
				t.Fatal(err)
			}
			if len(f.issueComments) != 1 || len(f.reviews) != 2 || len(f.reviewComments) != 3 {
				t.Errorf("%d summaries, %d reviews, %d comments: want the summary edited and only extra's comment added",
					len(f.issueComments), len(f.reviews), len(f.reviewComments))
			}
			if s := f.summary(t); !strings.Contains(s, "9e9e444") {
				t.Errorf("the summary does not describe the push:\n%s", s)
			}
			if f.count("IssueComments") != 1 {
				t.Errorf("calls %v: want the conversation listed once", f.calls)
			}
			if p, _ := store.Posted(context.Background(), push); p.SummaryID != f.issueComments[0].ID {
				t.Errorf("recorded summary %d, want %d", p.SummaryID, f.issueComments[0].ID)
			}
		})
	}
}
