package jobs

import (
	"context"
	"errors"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

func TestByForgeRunsEachRequestOnItsForge(t *testing.T) {
	github, gitlab := &fakeReviewer{}, &fakeReviewer{}
	reviewers := ByForge{forge.GitHub: github, forge.GitLab: gitlab}
	req := forge.ReviewRequest{Repo: forge.Repo{Forge: forge.GitLab, Owner: "acme/platform", Name: "stack"}, Number: 3, HeadSHA: "abc"}
	if err := reviewers.Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := reviewers.GiveUp(context.Background(), req, errors.New("cause")); err != nil {
		t.Fatal(err)
	}
	if runs, gaveUp := gitlab.counts(); runs != 1 || gaveUp != 1 {
		t.Errorf("GitLab's reviewer ran %d and gave up %d times, want 1 and 1", runs, gaveUp)
	}
	if runs, gaveUp := github.counts(); runs+gaveUp != 0 {
		t.Error("GitHub's reviewer was asked to review a merge request")
	}
	// A job queued for a forge the server no longer serves fails, final.
	var retry *forge.RetryableError
	if err := (ByForge{forge.GitHub: github}).Run(context.Background(), req); err == nil || errors.As(err, &retry) {
		t.Errorf("a request for a forge not served: %v, want a final error", err)
	}
}
