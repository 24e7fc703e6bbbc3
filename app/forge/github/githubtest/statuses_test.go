package githubtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestPersonalTokenWritesNoCheckRuns(t *testing.T) {
	f := New(t)
	f.AllowPersonalToken("ghp_alice", "alice")
	f.AllowToken("ghs_workflow")
	r := f.AddRepo("acme", "stack", 0)
	sha := r.Commit(nil)
	run := `{"name":"composeguard","head_sha":"` + sha + `","status":"in_progress"}`

	resp, body := do(t, f, "POST", "/repos/acme/stack/check-runs", "token ghp_alice", run)
	if resp.StatusCode != 403 || !strings.Contains(body, `"You must authenticate via a GitHub App."`) {
		t.Errorf("a personal token creating a check run: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, f, "POST", "/repos/acme/stack/check-runs", "token ghs_workflow", run); resp.StatusCode != 201 {
		t.Fatalf("a workflow token creating a check run: %d %s", resp.StatusCode, body)
	}
	id := r.CheckRuns()[0].ID
	if resp, _ := do(t, f, "PATCH", fmt.Sprintf("/repos/acme/stack/check-runs/%d", id), "token ghp_alice", `{"conclusion":"success"}`); resp.StatusCode != 403 {
		t.Errorf("a personal token updating a check run: %d, want 403", resp.StatusCode)
	}
	if resp, body := do(t, f, "GET", "/repos/acme/stack/commits/"+sha+"/check-runs", "token ghp_alice", ""); resp.StatusCode != 200 || !strings.Contains(body, `"total_count":1`) {
		t.Errorf("a personal token reading check runs: %d %s", resp.StatusCode, body)
	}
	if runs := r.CheckRuns(); len(runs) != 1 || runs[0].Status != "in_progress" {
		t.Errorf("runs = %+v, want the workflow's alone, unchanged", runs)
	}
	f.CheckOperations(t)
}

func TestCommitStatusRules(t *testing.T) {
	f := New(t)
	f.AllowPersonalToken("ghp_alice", "alice")
	r := f.AddRepo("acme", "stack", 0)
	sha := r.Commit(nil)
	post := func(body string) int {
		resp, _ := do(t, f, "POST", "/repos/acme/stack/statuses/"+sha, "token ghp_alice", body)
		return resp.StatusCode
	}
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"state":"pending","context":"composeguard"}`, 201},
		{`{"state":"success"}`, 201},
		{`{"state":"done","context":"composeguard"}`, 422},
		{`{"state":"failure","description":"` + strings.Repeat("é", 140) + `","context":"Composeguard"}`, 201},
		{`{"state":"failure","description":"` + strings.Repeat("é", 141) + `","context":"composeguard"}`, 422},
	} {
		if got := post(tc.body); got != tc.want {
			t.Errorf("%.60s: %d, want %d", tc.body, got, tc.want)
		}
	}
	if resp, _ := do(t, f, "POST", "/repos/acme/stack/statuses/"+strings.Repeat("0", 40), "token ghp_alice", `{"state":"success"}`); resp.StatusCode != 422 {
		t.Errorf("a status on no commit: %d, want 422", resp.StatusCode)
	}
	for range 1000 - 2 {
		post(`{"state":"pending","context":"COMPOSEGUARD"}`)
	}
	if got := post(`{"state":"success","context":"composeguard"}`); got != 422 {
		t.Errorf("status 1001 of a commit and context: %d, want 422", got)
	}
	statuses := r.Statuses()
	if len(statuses) != 1000+1 || statuses[1].Context != "default" || statuses[0].Creator != "alice" {
		t.Errorf("%d statuses, the second's context %q, the first by %q", len(statuses), statuses[1].Context, statuses[0].Creator)
	}
}

func TestCommitStatusesListNewestFirst(t *testing.T) {
	f := New(t)
	f.AllowPersonalToken("ghp_alice", "alice")
	r := f.AddRepo("acme", "stack", 0)
	sha, other := r.Commit(map[string]string{"a": "1"}), r.Commit(map[string]string{"a": "2"})
	for i := range 35 {
		do(t, f, "POST", "/repos/acme/stack/statuses/"+sha, "token ghp_alice", fmt.Sprintf(`{"state":"pending","context":"c%d"}`, i))
	}
	do(t, f, "POST", "/repos/acme/stack/statuses/"+other, "token ghp_alice", `{"state":"success"}`)

	resp, body := do(t, f, "GET", "/repos/acme/stack/commits/"+sha+"/statuses", "token ghp_alice", "")
	var statuses []struct{ Context string }
	if err := json.Unmarshal([]byte(body), &statuses); err != nil {
		t.Fatal(err)
	}
	if len(statuses) != 30 || statuses[0].Context != "c34" || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Errorf("first page: %d statuses, first %+v, Link %q", len(statuses), statuses[0], resp.Header.Get("Link"))
	}
	if resp, _ := do(t, f, "GET", "/repos/acme/stack/commits/"+strings.Repeat("0", 40)+"/statuses", "token ghp_alice", ""); resp.StatusCode != 404 {
		t.Errorf("statuses of no commit: %d, want 404", resp.StatusCode)
	}
	f.CheckOperations(t)
}
