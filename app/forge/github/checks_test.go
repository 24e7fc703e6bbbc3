package github

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
)

func annotations(n int) []forge.Annotation {
	var out []forge.Annotation
	for i := range n {
		out = append(out, forge.Annotation{Path: "compose.yaml", StartLine: i + 1, Level: "failure", Title: "privileged-container",
			Message: fmt.Sprintf("finding %d", i)})
	}
	return out
}

// runBodies decodes the status and annotation count of each check run
// request the fake received.
func runBodies(t *testing.T, e *env) []string {
	t.Helper()
	var out []string
	for _, r := range e.fake.Requests() {
		if r.Pattern != opCreateCheckRun && r.Pattern != opUpdateCheckRun {
			continue
		}
		var body struct {
			Status string `json:"status"`
			Output struct {
				Annotations []json.RawMessage `json:"annotations"`
			} `json:"output"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, body.Status, len(body.Output.Annotations)))
	}
	return out
}

func TestAnnotationsGoInBatchesOf50(t *testing.T) {
	e := newEnv(t)
	sha := e.repo.Commit(nil)
	run := forge.CheckRun{Name: "composeguard", HeadSHA: sha, Status: forge.StatusInProgress, Title: "Reviewing", Summary: "…"}
	id, err := e.client.CreateCheckRun(t.Context(), e.target, run)
	if err != nil {
		t.Fatal(err)
	}
	run.Status, run.Conclusion, run.Title, run.Summary = forge.StatusCompleted, forge.ConclusionFailure, "120 new problems", "see below"
	run.Annotations = annotations(120)
	if err := e.client.UpdateCheckRun(t.Context(), e.target, id, run); err != nil {
		t.Fatal(err)
	}

	// The run completes with its last batch, never before.
	want := "POST in_progress 0|PATCH  50|PATCH  50|PATCH completed 20"
	if got := strings.Join(runBodies(t, e), "|"); got != want {
		t.Errorf("check run requests = %s, want %s", got, want)
	}
	runs := e.repo.CheckRuns()
	if len(runs) != 1 || len(runs[0].Annotations) != 120 || runs[0].Status != "completed" || runs[0].Conclusion != "failure" || runs[0].Title != "120 new problems" {
		t.Errorf("check runs = %+v", runs)
	}
}

func TestCompletedRunCreatedWithManyAnnotations(t *testing.T) {
	e := newEnv(t)
	run := forge.CheckRun{Name: "composeguard", HeadSHA: e.repo.Commit(nil), Status: forge.StatusCompleted,
		Conclusion: forge.ConclusionSuccess, Title: "ok", Summary: "ok", Annotations: annotations(51)}
	if _, err := e.client.CreateCheckRun(t.Context(), e.target, run); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(runBodies(t, e), "|"), "POST in_progress 50|PATCH completed 1"; got != want {
		t.Errorf("check run requests = %s, want %s", got, want)
	}
	if runs := e.repo.CheckRuns(); len(runs[0].Annotations) != 51 || runs[0].Conclusion != "success" {
		t.Errorf("check run = %+v", runs[0])
	}
}

func TestLongSummaryIsTruncatedNotRefused(t *testing.T) {
	e := newEnv(t)
	line := strings.Repeat("x", 99) + "\n"
	run := forge.CheckRun{Name: "composeguard", HeadSHA: e.repo.Commit(nil), Status: forge.StatusCompleted,
		Conclusion: forge.ConclusionFailure, Title: "many", Summary: strings.Repeat(line, 1000), Text: strings.Repeat(line, 600)}
	if _, err := e.client.CreateCheckRun(t.Context(), e.target, run); err != nil {
		t.Fatal(err)
	}
	got := e.repo.CheckRuns()[0]
	if len(got.Summary) > MaxCheckRunText || !strings.HasSuffix(got.Summary, "…and 345 more lines") {
		t.Errorf("summary of %d bytes ends %q", len(got.Summary), got.Summary[len(got.Summary)-30:])
	}
	if got.Text != run.Text {
		t.Error("a text within the limit was changed")
	}
}
