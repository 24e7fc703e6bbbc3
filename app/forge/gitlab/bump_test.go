package gitlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
)

var (
	_ forge.Installed  = (*Client)(nil)
	_ forge.Branches   = (*Client)(nil)
	_ forge.PullWriter = (*Client)(nil)
)

const bumpBranch = "composeguard/postgres-16.x"

// bumpEnv seeds the project's main branch with a compose file.
func bumpEnv(t *testing.T) (*env, forge.Head) {
	t.Helper()
	e := newEnv(t)
	e.project.CommitTo("main", "alice", map[string]string{"compose.yaml": "services:\n  db:\n    image: postgres:16.2\n", "README.md": "# stack\n"})
	head, err := e.client.BranchHead(t.Context(), e.target, "main")
	if err != nil {
		t.Fatal(err)
	}
	return e, head
}

func TestRepositoriesTheTokenMayPushTo(t *testing.T) {
	e := newEnv(t)
	e.project.CommitTo("main", "alice", map[string]string{"compose.yaml": "services: {}\n"})
	for i := range 120 {
		e.fake.AddProject(fmt.Sprintf("acme/svc%03d", i)).CommitTo("main", "alice", map[string]string{"x": "y"})
	}
	trunk := e.fake.AddProject("globex/infra/deploy")
	trunk.SetDefaultBranch("trunk")
	trunk.CommitTo("trunk", "alice", map[string]string{"x": "y"})
	e.fake.AddProject("acme/empty")
	e.fake.AddProject("acme/old").SetArchived(true)
	e.fake.AddProject("acme/readonly").SetAccess(bot, gitlabtest.Reporter)
	e.fake.AddProject("mallory/private").SetAccess(bot, gitlabtest.NoAccess)

	repos, err := e.client.Repositories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range repos {
		names = append(names, r.String()+"@"+r.DefaultBranch)
		if r.Forge != forge.GitLab || r.CredentialsKey != "" || r.Archived {
			t.Errorf("repository %+v", r)
		}
	}
	if len(repos) != 123 || names[0] != "acme/platform/stack@main" || names[121] != "globex/infra/deploy@trunk" || names[122] != "acme/empty@" {
		t.Errorf("%d repositories: first %q, last %q; want 123, oldest first, without the archived, read-only and foreign ones", len(names), names[0], names[len(names)-2:])
	}
	if n := e.fake.Count("GET /projects"); n != 2 {
		t.Errorf("%d project pages, want 2 of 100", n)
	}
	for _, r := range e.fake.Requests() {
		if q := r.Query; r.Pattern == "GET /projects" && (q.Get("pagination") != "keyset" || q.Get("min_access_level") != "30" || q.Get("membership") != "true") {
			t.Errorf("projects listed with %v, want keyset pagination of the projects the token may push to", q)
		}
	}
	if _, err := e.client.BranchHead(t.Context(), repos[122].Repo, repos[122].DefaultBranch); !errors.Is(err, forge.ErrNotFound) {
		t.Errorf("the empty project's default branch: %v, want ErrNotFound", err)
	}
}

func TestCommitFilesCreatesAndRebuildsTheBranch(t *testing.T) {
	e, head := bumpEnv(t)
	c := t.Context()
	latin1 := string([]byte{'T', 'Z', '=', 'Z', 0xfc, 'r', 'i', 'c', 'h', '\r', '\n'})
	compose := "services:\n  db:\n    image: postgres:16.4 # ünïcode\n"
	commit := forge.NewCommit{Branch: bumpBranch, Message: "Update postgres\n\nComposeguard-Bump: x", From: "main", Base: head,
		Files: []forge.CommitFile{{Path: "compose.yaml", Content: []byte(compose)}, {Path: "stack/.env", Content: []byte(latin1), New: true}}}
	ours, err := e.client.CommitFiles(c, e.target, commit)
	if err != nil {
		t.Fatal(err)
	}
	info := e.project.CommitInfo(ours)
	if e.project.Branch(bumpBranch) != ours || !slices.Equal(info.Parents, []string{head.SHA}) ||
		info.Files["compose.yaml"] != compose || info.Files["stack/.env"] != latin1 || info.Files["README.md"] != "# stack\n" ||
		info.AuthorEmail != gitlabtest.CommitEmail(bot) || info.Message != commit.Message {
		t.Errorf("commit %+v: want the branch made on main's head with the files byte for byte, by %s", info, bot)
	}
	var body struct {
		StartBranch string `json:"start_branch"`
		Force       bool   `json:"force"`
		Actions     []struct {
			Action       string `json:"action"`
			Encoding     string `json:"encoding"`
			LastCommitID string `json:"last_commit_id"`
		} `json:"actions"`
	}
	for _, r := range e.fake.Requests() {
		if r.Pattern == "POST /projects/{id}/repository/commits" {
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if body.StartBranch != "main" || body.Force || len(body.Actions) != 2 ||
		body.Actions[0].Action != "update" || body.Actions[0].LastCommitID != head.SHA ||
		body.Actions[1].Action != "create" || body.Actions[1].Encoding != "base64" || body.Actions[1].LastCommitID != "" {
		t.Errorf("commit request %+v", body)
	}

	if _, err := e.client.CommitFiles(c, e.target, commit); !errors.Is(err, forge.ErrUnprocessable) {
		t.Errorf("creating an existing branch: %v, want ErrUnprocessable", err)
	}
	theirs := e.project.CommitTo(bumpBranch, "alice", map[string]string{"notes.txt": "mine\n"})
	// Anyone may write the bot's email as author; the push's committer is
	// still theirs.
	posing := e.project.CommitAs(bumpBranch, gitlabtest.CommitInfo{Message: commit.Message, AuthorName: bot, AuthorEmail: gitlabtest.CommitEmail(bot),
		CommitterName: "alice", CommitterEmail: gitlabtest.CommitEmail("alice")})
	got, err := e.client.BranchHead(c, e.target, bumpBranch)
	if err != nil || got.SHA != posing {
		t.Fatalf("branch head = %+v, %v; want %s", got, err, posing)
	}
	commits, err := e.client.CommitsSince(c, e.target, head.SHA, got.SHA)
	if err != nil {
		t.Fatal(err)
	}
	want := []forge.Commit{{SHA: ours, Message: commit.Message, Author: bot}, {SHA: theirs, Message: "Edit by alice"}, {SHA: posing, Message: commit.Message}}
	if !slices.Equal(commits, want) {
		t.Errorf("commits since the base = %+v, want %+v", commits, want)
	}

	// Rebuilding drops the others' commits: only with force.
	commit.Files = commit.Files[:1]
	commit.Rebuild = true
	rebuilt, err := e.client.CommitFiles(c, e.target, commit)
	if err != nil {
		t.Fatal(err)
	}
	if info := e.project.CommitInfo(rebuilt); e.project.Branch(bumpBranch) != rebuilt || !slices.Equal(info.Parents, []string{head.SHA}) || info.Files["notes.txt"] != "" {
		t.Errorf("the branch was not rebuilt on main: %+v", info)
	}
}

// The commit starts from the base branch as it is when GitLab makes it:
// a file changed there since the base was read is refused, not overwritten;
// a change elsewhere is kept under the commit.
func TestCommitFilesNeverOverwritesAChangeOnTheBase(t *testing.T) {
	e, head := bumpEnv(t)
	c := t.Context()
	commit := forge.NewCommit{Branch: bumpBranch, Message: "Update postgres", From: "main", Base: head,
		Files: []forge.CommitFile{{Path: "compose.yaml", Content: []byte("services:\n  db:\n    image: postgres:16.4\n")}}}

	moved := e.project.CommitTo("main", "bob", map[string]string{"README.md": "# the stack\n"})
	sha, err := e.client.CommitFiles(c, e.target, commit)
	if err != nil {
		t.Fatal(err)
	}
	if info := e.project.CommitInfo(sha); !slices.Equal(info.Parents, []string{moved}) || info.Files["README.md"] != "# the stack\n" {
		t.Errorf("commit %+v: want it on main's new head, keeping bob's README", info)
	}

	e.project.CommitTo("main", "bob", map[string]string{"compose.yaml": "services:\n  db:\n    image: postgres:16.3\n"})
	commit.Rebuild = true
	if _, err := e.client.CommitFiles(c, e.target, commit); !errors.Is(err, forge.ErrUnprocessable) || !strings.Contains(err.Error(), "has changed") {
		t.Errorf("committing over bob's change of compose.yaml: %v, want GitLab's refusal", err)
	}
	if e.project.Branch(bumpBranch) != sha {
		t.Error("the branch moved")
	}
}

func TestMergeRequestsFromBranch(t *testing.T) {
	e, head := bumpEnv(t)
	c := t.Context()
	if _, err := e.client.CommitFiles(c, e.target, forge.NewCommit{Branch: bumpBranch, Message: "ours", From: "main", Base: head,
		Files: []forge.CommitFile{{Path: "compose.yaml", Content: []byte("services: {}\n")}}}); err != nil {
		t.Fatal(err)
	}
	open := forge.NewPull{Title: "Update postgres to 16.4", Body: "body", Head: bumpBranch, Base: "main", Labels: []string{"dependencies", "docker"}}
	first, err := e.client.CreatePull(c, e.target, open)
	if err != nil {
		t.Fatal(err)
	}
	mr := e.project.MergeRequests()[0]
	if mr.Author != bot || !mr.RemoveSourceBranch || !slices.Equal(mr.Labels, open.Labels) || mr.Description != "body" ||
		!slices.Equal(e.project.Labels(), open.Labels) {
		t.Errorf("merge request %+v, project labels %v: want it by %s, deleting its branch when merged, labelled (labels made)", mr, e.project.Labels(), bot)
	}
	if _, err := e.client.CreatePull(c, e.target, open); !errors.Is(err, forge.ErrUnprocessable) {
		t.Errorf("a second merge request from the branch: %v, want ErrUnprocessable", err)
	}
	if err := e.client.EditPull(c, e.target, first, forge.PullEdit{Title: "Update postgres to 16.4 - autoclosed", Close: true}); err != nil {
		t.Fatal(err)
	}
	second, err := e.client.CreatePull(c, e.target, open)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.EditPull(c, e.target, second, forge.PullEdit{Body: "new body"}); err != nil {
		t.Fatal(err)
	}
	e.project.AddMergeRequest(gitlabtest.MergeRequest{IID: 99, Title: "from a fork", SourceBranch: bumpBranch, Fork: true, Author: "mallory"})
	e.project.AddMergeRequest(gitlabtest.MergeRequest{IID: 98, Title: "someone else's", SourceBranch: "feature", Author: "alice"})

	pulls, err := e.client.PullsFrom(c, e.target, bumpBranch)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pulls {
		got = append(got, fmt.Sprintf("!%d open=%t %s by %s: %s", p.Number, p.Open, p.HeadRef, p.Author, p.Body))
	}
	want := []string{
		fmt.Sprintf("!%d open=true %s by %s: new body", second, bumpBranch, bot),
		fmt.Sprintf("!%d open=false %s by %s: body", first, bumpBranch, bot),
	}
	if !slices.Equal(got, want) {
		t.Errorf("merge requests from the branch = %v, want %v (newest first, closed included, no fork)", got, want)
	}
	openPulls, err := e.client.OpenPulls(c, e.target)
	if err != nil || len(openPulls) != 3 {
		t.Errorf("open merge requests = %+v, %v; want 3", openPulls, err)
	}
	e.project.MergeMergeRequest(int64(second))
	if pulls, err := e.client.PullsFrom(c, e.target, bumpBranch); err != nil || !pulls[0].Merged || pulls[0].Open || e.project.Branch(bumpBranch) != "" {
		t.Errorf("after the merge: %+v, %v; want it merged and its branch deleted", pulls, err)
	}
}
