package jobs

import (
	"fmt"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pages"
)

func TestReviewPages(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		q := openQueue(t, db, nil)
		ctx := t.Context()
		first := pages.Review{Forge: forge.GitHub, Repo: "Octo/App", Number: 7, HeadSHA: "aaa", Title: "1 new problem", IntoDefault: true,
			Scores: []pages.Score{{Name: "Overall", Base: 9, Head: 7.5}}}
		if err := q.SaveReview(ctx, first); err != nil {
			t.Fatal(err)
		}
		// The re-run button reviews the same head again: its page is the last review's.
		again := first
		again.Title = "No new problems"
		if err := q.SaveReview(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, ok, err := q.Review(ctx, first.Key())
		if err != nil || !ok || got.Title != "No new problems" || got.Scores[0].Head != 7.5 {
			t.Fatalf("review of the head: %+v %v %v", got, ok, err)
		}
		if _, ok, err := q.Review(ctx, pages.Key(forge.GitLab, "octo/app", "aaa")); ok || err != nil {
			t.Errorf("another forge's head: %v %v", ok, err)
		}
		if err := q.SaveReview(ctx, pages.Review{Forge: forge.GitHub, Repo: "octo/app", HeadSHA: "bbb"}); err != nil {
			t.Fatal(err)
		}
		latest, ok, err := q.DefaultBranchReview(ctx, forge.GitHub, "octo/app")
		if err != nil || !ok || latest.HeadSHA != "aaa" {
			t.Errorf("the latest review into the default branch, the name in any case: %+v %v %v", latest, ok, err)
		}

		// Heads pushed at will keep the newest reviews of a repository only.
		for i := range maxPagesPerRepo + 5 {
			if err := q.SaveReview(ctx, pages.Review{Forge: forge.GitHub, Repo: "octo/app", HeadSHA: fmt.Sprint("head-", i), IntoDefault: true}); err != nil {
				t.Fatal(err)
			}
		}
		var kept int
		if err := q.db.queryRow(ctx, `SELECT COUNT(*) FROM review_pages`).Scan(&kept); err != nil || kept != maxPagesPerRepo {
			t.Errorf("%d reviews kept of one repository (%v), want %d", kept, err, maxPagesPerRepo)
		}

		// No link opens a page past its lifetime, and the page goes with it.
		if err := prune(ctx, q.db, time.Now().Add(pages.LinkLifetime+time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := q.DefaultBranchReview(ctx, forge.GitHub, "octo/app"); ok || err != nil {
			t.Errorf("a review older than a link's lifetime is kept: %v %v", ok, err)
		}
	})
}
