package github

import (
	"context"
	"time"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

// maxAnnotationsPerRequest is how many annotations one create or update call
// may carry; later updates append
// (https://docs.github.com/en/rest/checks/runs#update-a-check-run).
const maxAnnotationsPerRequest = 50

// CreateCheckRun creates run and returns its id. With more than 50
// annotations the rest follow in updates, and a completed run is created in
// progress so that it completes only once every annotation is in. Where
// GitHub refuses check runs to the token, it posts a commit status instead
// (statuses.go).
func (c *Client) CreateCheckRun(ctx context.Context, repo forge.Repo, run forge.CheckRun) (int64, error) {
	api, err := c.api(repo)
	if err != nil {
		return 0, err
	}
	if c.usesStatuses(repo) {
		return c.postStatus(ctx, api, repo, run)
	}
	batches := annotationBatches(run.Annotations)
	status, conclusion, completedAt := runState(run, len(batches) == 1)
	created, _, err := api.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, gh.CreateCheckRunOptions{
		Name:        run.Name,
		HeadSHA:     run.HeadSHA,
		ExternalID:  optional(run.ExternalID),
		DetailsURL:  optional(run.DetailsURL),
		Status:      status,
		Conclusion:  conclusion,
		CompletedAt: completedAt,
		Output:      output(run, batches[0]),
	})
	if c.checkRunsRefused(repo, err) {
		// The refused POST created nothing: the status takes its place.
		return c.postStatus(ctx, api, repo, run)
	}
	if err != nil {
		return 0, fail(err, "create check run %q on %s at %s", run.Name, repo, run.HeadSHA)
	}
	return created.GetID(), c.updateRun(ctx, api, repo, created.GetID(), run, batches[1:])
}

// UpdateCheckRun sets run's state and output, sending its annotations 50 per
// call; only the last call carries the status, so a completed run never shows
// without its annotations. GitHub appends annotations: calling this twice
// with the same ones shows them twice. Where GitHub refuses check runs to
// the token, it posts a commit status on run.HeadSHA instead.
func (c *Client) UpdateCheckRun(ctx context.Context, repo forge.Repo, id int64, run forge.CheckRun) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	if !c.usesStatuses(repo) {
		err = c.updateRun(ctx, api, repo, id, run, annotationBatches(run.Annotations))
		// GitHub refuses a token's check run writes from the first
		// request on, so a refusal changed nothing.
		if !c.checkRunsRefused(repo, err) {
			return err
		}
	}
	_, err = c.postStatus(ctx, api, repo, run)
	return err
}

func (c *Client) updateRun(ctx context.Context, api *gh.Client, repo forge.Repo, id int64, run forge.CheckRun, batches [][]forge.Annotation) error {
	for i, batch := range batches {
		opts := gh.UpdateCheckRunOptions{Name: run.Name, ExternalID: optional(run.ExternalID), DetailsURL: optional(run.DetailsURL),
			Output: output(run, batch)}
		if i == len(batches)-1 {
			opts.Status, opts.Conclusion, opts.CompletedAt = runState(run, true)
		}
		if _, _, err := api.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, id, opts); err != nil {
			return fail(err, "update check run %d on %s (request %d of %d)", id, repo, i+1, len(batches))
		}
	}
	return nil
}

// annotationBatches splits annotations into request-sized batches; there is
// always at least one, maybe empty.
func annotationBatches(all []forge.Annotation) [][]forge.Annotation {
	var batches [][]forge.Annotation
	for len(all) > maxAnnotationsPerRequest {
		batches = append(batches, all[:maxAnnotationsPerRequest])
		all = all[maxAnnotationsPerRequest:]
	}
	return append(batches, all)
}

// runState is the state to send: the run's own on its last request, and
// before that "in progress" in place of "completed".
func runState(run forge.CheckRun, last bool) (status, conclusion *string, completedAt *gh.Timestamp) {
	if !last && run.Status == forge.StatusCompleted {
		return gh.Ptr(forge.StatusInProgress), nil, nil
	}
	if run.Status == forge.StatusCompleted {
		return gh.Ptr(run.Status), optional(run.Conclusion), &gh.Timestamp{Time: time.Now()}
	}
	return optional(run.Status), nil, nil
}

// output is the run's output with one batch of annotations, nil when there
// is nothing to show; texts are kept within GitHub's limit.
func output(run forge.CheckRun, batch []forge.Annotation) *gh.CheckRunOutput {
	if run.Title == "" && run.Summary == "" && run.Text == "" && len(batch) == 0 {
		return nil
	}
	out := &gh.CheckRunOutput{
		Title:   gh.Ptr(Truncate(run.Title, MaxCheckRunText)),
		Summary: gh.Ptr(Truncate(run.Summary, MaxCheckRunText)),
		Text:    optional(Truncate(run.Text, MaxCheckRunText)),
	}
	for _, a := range batch {
		out.Annotations = append(out.Annotations, &gh.CheckRunAnnotation{
			Path:            gh.Ptr(a.Path),
			StartLine:       gh.Ptr(a.StartLine),
			EndLine:         gh.Ptr(max(a.EndLine, a.StartLine)),
			AnnotationLevel: gh.Ptr(a.Level),
			Title:           optional(a.Title),
			Message:         gh.Ptr(a.Message),
		})
	}
	return out
}

// optional is nil for "", so the field is left out of the request.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CheckRuns lists every run named name at headSHA: all of them, not only the
// latest, which is GitHub's default filter. A GitHub App sees only its own,
// the runs it may update. Where the token gets commit statuses instead, it
// lists the latest status named name.
func (c *Client) CheckRuns(ctx context.Context, repo forge.Repo, headSHA, name string) ([]forge.CheckRun, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	if c.usesStatuses(repo) {
		return c.latestStatus(ctx, api, repo, headSHA, name)
	}
	opts := &gh.ListCheckRunsOptions{CheckName: gh.Ptr(name), Filter: gh.Ptr("all")}
	if c.appKey != nil {
		opts.AppID = gh.Ptr(c.opts.AppID)
	}
	runs, err := listAll(0, func(page gh.ListOptions) ([]*gh.CheckRun, *gh.Response, error) {
		opts.ListOptions = page
		res, resp, err := api.Checks.ListCheckRunsForRef(ctx, repo.Owner, repo.Name, headSHA, opts)
		return res.GetCheckRuns(), resp, err
	})
	// GitHub lets a classic personal token read check runs; a fine-grained
	// one without the checks permission is refused already here.
	if c.checkRunsRefused(repo, err) {
		return c.latestStatus(ctx, api, repo, headSHA, name)
	}
	if err != nil {
		return nil, fail(err, "list the %q check runs of %s at %s", name, repo, headSHA)
	}
	out := make([]forge.CheckRun, 0, len(runs))
	for _, r := range runs {
		out = append(out, forge.CheckRun{
			ID:         r.GetID(),
			Name:       r.GetName(),
			HeadSHA:    r.GetHeadSHA(),
			Status:     r.GetStatus(),
			Conclusion: r.GetConclusion(),
			ExternalID: r.GetExternalID(),
			Title:      r.GetOutput().GetTitle(),
			Summary:    r.GetOutput().GetSummary(),
		})
	}
	return out, nil
}
