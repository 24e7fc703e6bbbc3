package jobs

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/logging"
)

// observeWork wraps every job's work: it times the job's wait from due to
// started, and puts what the job is about in its context, so each line
// logged while it runs names the job, the delivery that queued it, the
// repository and the pull request.
type observeWork struct {
	river.MiddlewareDefaults
	latency *prometheus.HistogramVec
}

var _ rivertype.WorkerMiddleware = (*observeWork)(nil)

func (o *observeWork) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	if job.AttemptedAt != nil && slices.Contains(queueKinds, job.Kind) {
		o.latency.WithLabelValues(job.Kind).Observe(job.AttemptedAt.Sub(job.ScheduledAt).Seconds())
	}
	return doInner(logging.With(ctx, jobAttrs(job)...))
}

// jobMetadata is what composeguard keeps in river_job.metadata besides
// River's own.
type jobMetadata struct {
	// Delivery is the id of the webhook delivery that queued the job.
	Delivery string `json:"delivery,omitempty"`
}

// jobAttrs are the log attributes of a job: "job_id" as River's own lines
// name it, and for a review, a repository's image updates or its dashboard
// what they are about.
func jobAttrs(job *rivertype.JobRow) []any {
	attrs := []any{"job_id", job.ID, "kind", job.Kind, "attempt", job.Attempt}
	var meta jobMetadata
	if json.Unmarshal(job.Metadata, &meta) == nil && meta.Delivery != "" {
		attrs = append(attrs, "delivery", meta.Delivery)
	}
	switch job.Kind {
	case ReviewArgs{}.Kind():
		var args ReviewArgs
		if json.Unmarshal(job.EncodedArgs, &args) == nil {
			attrs = append(attrs, reviewAttrs(args.ReviewRequest)...)
		}
	case BumpRepoArgs{}.Kind():
		var args BumpRepoArgs
		if json.Unmarshal(job.EncodedArgs, &args) == nil {
			attrs = append(attrs, "forge", args.Repo.Forge, "repo", args.Repo.String(), "run", args.Run)
		}
	case DashboardArgs{}.Kind():
		var args DashboardArgs
		if json.Unmarshal(job.EncodedArgs, &args) == nil {
			attrs = append(attrs, "forge", args.Repo.Forge, "repo", args.Repo.String())
		}
	}
	return attrs
}

// reviewAttrs name a review's pull request as the webhook's log line does.
func reviewAttrs(req forge.ReviewRequest) []any {
	return []any{"forge", req.Repo.Forge, "repo", req.Repo.String(), "pr", req.Number, "head", req.HeadSHA}
}
