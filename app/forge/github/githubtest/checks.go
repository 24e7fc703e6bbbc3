package githubtest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// GitHub's limits on check runs
// (https://docs.github.com/en/rest/checks/runs#update-a-check-run).
const (
	maxAnnotationsPerRequest = 50
	maxOutputText            = 65535
)

var (
	runStatuses    = []string{"queued", "in_progress", "completed"}
	runConclusions = []string{"action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"}
	levels         = []string{"notice", "warning", "failure"}
)

// runJSON is the body of a check run create or update.
type runJSON struct {
	Name       *string `json:"name"`
	HeadSHA    string  `json:"head_sha"`
	Status     *string `json:"status"`
	Conclusion *string `json:"conclusion"`
	ExternalID *string `json:"external_id"`
	DetailsURL *string `json:"details_url"`
	Output     *struct {
		Title       *string `json:"title"`
		Summary     *string `json:"summary"`
		Text        *string `json:"text"`
		Annotations []struct {
			Path            string `json:"path"`
			StartLine       int    `json:"start_line"`
			EndLine         int    `json:"end_line"`
			AnnotationLevel string `json:"annotation_level"`
			Title           string `json:"title"`
			Message         string `json:"message"`
		} `json:"annotations"`
	} `json:"output"`
}

func createCheckRun(c *call) {
	if c.appOnly("create-a-check-run") {
		return
	}
	var body runJSON
	if !c.decode(&body) {
		return
	}
	switch {
	case body.Name == nil || *body.Name == "":
		c.invalid("CheckRun", "name", "name is missing")
	case c.repo.commits[body.HeadSHA] == nil:
		c.invalid("CheckRun", "head_sha", "No commit found for SHA: "+body.HeadSHA)
	default:
		run := &CheckRun{ID: c.f.id(), HeadSHA: body.HeadSHA, Status: "queued", AppID: c.appID()}
		if apply(c, run, body) {
			c.repo.checkRuns = append(c.repo.checkRuns, run)
			c.json(http.StatusCreated, runResponse(run))
		}
	}
}

func updateCheckRun(c *call) {
	if c.appOnly("update-a-check-run") {
		return
	}
	id, ok := c.number("check_run_id")
	if !ok {
		return
	}
	i := slices.IndexFunc(c.repo.checkRuns, func(r *CheckRun) bool { return r.ID == id })
	if i < 0 {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	var body runJSON
	if !c.decode(&body) {
		return
	}
	// Validate on a copy: a refused update changes nothing.
	run := *c.repo.checkRuns[i]
	run.Updates++
	if apply(c, &run, body) {
		*c.repo.checkRuns[i] = run
		c.json(http.StatusOK, runResponse(&run))
	}
}

// appOnly refuses a check run write by a personal access token as GitHub
// does, naming the operation's documentation; true when it did.
func (c *call) appOnly(operation string) bool {
	if c.personal {
		c.json(http.StatusForbidden, map[string]string{"message": "You must authenticate via a GitHub App.",
			"documentation_url": "https://docs.github.com/rest/checks/runs#" + operation})
	}
	return c.personal
}

// apply checks a create or update body as GitHub does and applies it to
// run; false after a 422.
func apply(c *call, run *CheckRun, body runJSON) bool {
	if body.Name != nil {
		run.Name = *body.Name
	}
	if body.ExternalID != nil {
		run.ExternalID = *body.ExternalID
	}
	if body.DetailsURL != nil {
		// GitHub links the run's "Details" there, and answers these
		// (packit/packit-service#1169, flutter/flutter#181425).
		u, err := url.Parse(*body.DetailsURL)
		switch {
		case err != nil || (u.Scheme != "" && u.Host == ""):
			c.invalid("CheckRun", "details_url", "details_url is not a valid URL")
			return false
		case u.Scheme != "http" && u.Scheme != "https":
			c.invalid("CheckRun", "details_url", "details_url must use the http or https scheme")
			return false
		}
		run.DetailsURL = *body.DetailsURL
	}
	if body.Status != nil {
		if !slices.Contains(runStatuses, *body.Status) {
			c.invalid("CheckRun", "status", "status is not included in the list")
			return false
		}
		run.Status = *body.Status
	}
	if body.Conclusion != nil {
		if !slices.Contains(runConclusions, *body.Conclusion) {
			c.invalid("CheckRun", "conclusion", "conclusion is not included in the list")
			return false
		}
		// A conclusion completes the run.
		run.Status, run.Conclusion = "completed", *body.Conclusion
	}
	if run.Status == "completed" && run.Conclusion == "" {
		c.invalid("CheckRun", "conclusion", "conclusion must be set when status is completed")
		return false
	}
	out := body.Output
	if out == nil {
		return true
	}
	switch {
	case out.Title == nil || out.Summary == nil:
		c.invalid("CheckRun", "output", "output requires title and summary")
		return false
	case len(out.Annotations) > maxAnnotationsPerRequest:
		c.invalid("CheckRun", "annotations", fmt.Sprintf("Only %d annotations are allowed per request; %d were supplied", maxAnnotationsPerRequest, len(out.Annotations)))
		return false
	}
	for _, t := range []*string{out.Title, out.Summary, out.Text} {
		if t != nil && len([]rune(*t)) > maxOutputText {
			c.invalid("CheckRun", "output", fmt.Sprintf("Only %d characters are allowed; %d were supplied", maxOutputText, len([]rune(*t))))
			return false
		}
	}
	run.Title, run.Summary = *out.Title, *out.Summary
	if out.Text != nil {
		run.Text = *out.Text
	}
	for _, a := range out.Annotations {
		if a.Path == "" || a.StartLine < 1 || a.EndLine < a.StartLine || a.Message == "" || !slices.Contains(levels, a.AnnotationLevel) {
			c.invalid("CheckRun", "annotations", "annotations need path, start_line, end_line, annotation_level and message")
			return false
		}
		run.Annotations = append(run.Annotations, Annotation{Path: a.Path, StartLine: a.StartLine, EndLine: a.EndLine,
			Level: a.AnnotationLevel, Title: a.Title, Message: a.Message})
	}
	return true
}

func runResponse(r *CheckRun) map[string]any {
	var conclusion, app any
	if r.Conclusion != "" {
		conclusion = r.Conclusion
	}
	if r.AppID != 0 {
		app = map[string]any{"id": r.AppID}
	}
	return map[string]any{"id": r.ID, "name": r.Name, "head_sha": r.HeadSHA, "status": r.Status,
		"conclusion": conclusion, "external_id": r.ExternalID, "details_url": r.DetailsURL, "app": app,
		"output": map[string]any{"title": r.Title, "summary": r.Summary, "annotations_count": len(r.Annotations)}}
}

// appID is the App a request acts for, which GitHub ties a check run to; 0
// for a plain token.
func (c *call) appID() int64 {
	if c.user == AppLogin {
		return c.f.app.id
	}
	return 0
}

// listCheckRuns lists a commit's runs, newest first, filtered as GitHub
// does by check_name, status and app_id; filter=latest, the default, keeps
// only the newest run of each name.
func listCheckRuns(c *call) {
	ref := c.r.PathValue("ref")
	if c.repo.commits[ref] == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	q := c.r.URL.Query()
	if f := q.Get("filter"); f != "" && f != "latest" && f != "all" {
		c.invalid("CheckRun", "filter", "filter is not included in the list")
		return
	}
	newest := map[string]int64{}
	for _, r := range c.repo.checkRuns {
		if r.HeadSHA == ref {
			newest[r.Name] = max(newest[r.Name], r.ID)
		}
	}
	var out []map[string]any
	for _, r := range slices.Backward(c.repo.checkRuns) {
		switch {
		case r.HeadSHA != ref:
		case q.Has("check_name") && r.Name != q.Get("check_name"):
		case q.Has("status") && r.Status != q.Get("status"):
		case q.Has("app_id") && strconv.FormatInt(r.AppID, 10) != q.Get("app_id"):
		case q.Get("filter") != "all" && newest[r.Name] != r.ID:
		default:
			out = append(out, runResponse(r))
		}
	}
	c.json(http.StatusOK, map[string]any{"total_count": len(out), "check_runs": page(c, out)})
}
