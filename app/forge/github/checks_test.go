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

// TestCheckRunsListsEveryRunOfTheAppAtTheHead: a restarted server finds the
// run it left in progress among all the runs of a head, over several pages.
func TestCheckRunsListsEveryRunOfTheAppAtTheHead(t *testing.T) {
	e := newEnv(t)
	head, other := e.repo.Commit(map[string]string{"a": "1"}), e.repo.Commit(map[string]string{"a": "2"})
	create := func(c *Client, name, sha, externalID string) int64 {
		t.Helper()
		id, err := c.CreateCheckRun(t.Context(), e.target, forge.CheckRun{Name: name, HeadSHA: sha, ExternalID: externalID,
			Status: forge.StatusInProgress, Title: "Reviewing…", Summary: "…"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	const runs = 120 // more than one page of 100
	for i := range runs - 1 {
		id := create(e.client, "composeguard", head, fmt.Sprintf("old-%d", i))
		if err := e.client.UpdateCheckRun(t.Context(), e.target, id, forge.CheckRun{Name: "composeguard",
			Status: forge.StatusCompleted, Conclusion: forge.ConclusionSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	wanted := create(e.client, "composeguard", head, "acme/stack#1@"+head)
	create(e.client, "lint", head, "")
	create(e.client, "composeguard", other, "")
	e.fake.AllowToken("ghp_someone-else")
	someone, err := NewTokenClient(Options{APIURL: e.fake.URL, Token: "ghp_someone-else", Transport: e.wire})
	if err != nil {
		t.Fatal(err)
	}
	create(someone, "composeguard", head, "")

	got, err := e.client.CheckRuns(t.Context(), e.target, head, "composeguard")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != runs {
		t.Fatalf("%d runs, want the App's %d composeguard runs at the head", len(got), runs)
	}
	var inProgress []forge.CheckRun
	for _, r := range got {
		if r.Name != "composeguard" || r.HeadSHA != head {
			t.Errorf("listed %s at %s", r.Name, r.HeadSHA)
		}
		if r.Status == forge.StatusInProgress {
			inProgress = append(inProgress, r)
		}
	}
	if len(inProgress) != 1 || inProgress[0].ID != wanted || inProgress[0].ExternalID != "acme/stack#1@"+head || inProgress[0].Title != "Reviewing…" {
		t.Errorf("in progress: %+v, want run %d", inProgress, wanted)
	}
	if n := e.fake.Count(opListCheckRuns); n != 2 {
		t.Errorf("%d list requests, want 2 pages", n)
	}
	// A token sees every run of the name, someone else's too.
	all, err := someone.CheckRuns(t.Context(), e.target, head, "composeguard")
	if err != nil || len(all) != runs+1 {
		t.Errorf("token client: %d runs, %v", len(all), err)
	}
}

// A run's "Details" and a status's link lead to the report page.
func TestDetailsLinkTheReportPage(t *testing.T) {
	e := newEnv(t)
	const details = "https://cg.example.com/report/k?expires=1&sig=s"
	head := e.repo.Commit(nil)
	run := forge.CheckRun{Name: "composeguard", HeadSHA: head, Status: forge.StatusCompleted, Conclusion: forge.ConclusionSuccess,
		Title: "ok", Summary: "ok", DetailsURL: details}
	if _, err := e.client.CreateCheckRun(t.Context(), e.target, run); err != nil {
		t.Fatal(err)
	}
	if runs := e.repo.CheckRuns(); len(runs) != 1 || runs[0].DetailsURL != details {
		t.Errorf("check runs %+v, want details %s", runs, details)
	}
	if _, err := e.personalClient(t).CreateCheckRun(t.Context(), e.target, run); err != nil {
		t.Fatal(err)
	}
	if s := e.repo.Statuses(); len(s) != 1 || s[0].TargetURL != details {
		t.Errorf("statuses %+v, want the target %s", s, details)
	}
	run.DetailsURL = "javascript:alert(1)"
	if _, err := e.client.CreateCheckRun(t.Context(), e.target, run); err == nil {
		t.Error("the fake took a details URL GitHub refuses")
	}
}
