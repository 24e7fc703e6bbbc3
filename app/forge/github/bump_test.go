package github

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

var (
	_ forge.Installed  = (*Client)(nil)
	_ forge.Branches   = (*Client)(nil)
	_ forge.PullWriter = (*Client)(nil)
)

// bumpEnv seeds acme/stack's main branch with a compose file.
func bumpEnv(t *testing.T) (*env, forge.Head) {
	t.Helper()
	e := newEnv(t)
	e.repo.CommitTo("main", "octocat", map[string]string{"compose.yaml": "services:\n  db:\n    image: postgres:16.2\n"})
	head, err := e.client.BranchHead(t.Context(), e.target, "main")
	if err != nil {
		t.Fatal(err)
	}
	return e, head
}

func TestBumpCallsAreRealOperations(t *testing.T) {
	e, head := bumpEnv(t)
	c := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.client.Login(c)
	must(err)
	_, err = e.client.Repositories(c)
	must(err)
	commit := forge.NewCommit{Branch: "composeguard/postgres-16.x", Message: "Update postgres", From: "main", Base: head,
		Files: []forge.CommitFile{
			{Path: "compose.yaml", Content: []byte("services:\n  db:\n    image: postgres:16.4\n")},
			{Path: ".env", Content: []byte{'T', '=', 0xe9, '\n'}, New: true}, // Latin-1: needs a blob
		}}
	sha, err := e.client.CommitFiles(c, e.target, commit)
	must(err)
	commit.Rebuild = true
	_, err = e.client.CommitFiles(c, e.target, commit)
	must(err)
	_, err = e.client.CommitsSince(c, e.target, head.SHA, sha)
	must(err)
	n, err := e.client.CreatePull(c, e.target, forge.NewPull{Title: "Update postgres to 16.4", Body: "body",
		Head: "composeguard/postgres-16.x", Base: "main", Labels: []string{"dependencies"}})
	must(err)
	must(e.client.EditPull(c, e.target, n, forge.PullEdit{Title: "t", Body: "b", Close: true}))
	_, err = e.client.PullsFrom(c, e.target, "composeguard/postgres-16.x")
	must(err)
	_, err = e.client.OpenPulls(c, e.target)
	must(err)

	calls := e.client.Calls()
	for _, op := range bumpOperations {
		if calls.API[op] == 0 {
			t.Errorf("Calls() did not count %s", op)
		}
	}
	if n := calls.API.Total() + calls.Content.Total() + calls.Auth.Total(); n != len(e.fake.Requests()) {
		t.Errorf("Calls() counted %d requests, the fake received %d: %v", n, len(e.fake.Requests()), calls)
	}
	e.fake.CheckOperations(t)
}

func TestCommitFilesIsSignedAndByteExact(t *testing.T) {
	e, head := bumpEnv(t)
	latin1 := []byte{'T', 'Z', '=', 'Z', 0xfc, 'r', 'i', 'c', 'h', '\r', '\n'}
	compose := "services:\n  db:\n    image: postgres:16.4 # ünïcode\n"
	sha, err := e.client.CommitFiles(t.Context(), e.target, forge.NewCommit{Branch: "composeguard/postgres-16.x",
		Message: "Update postgres\n\nComposeguard-Bump: x", From: "main", Base: head,
		Files: []forge.CommitFile{{Path: "compose.yaml", Content: []byte(compose)}, {Path: "stack/.env", Content: latin1, New: true}}})
	if err != nil {
		t.Fatal(err)
	}
	info := e.repo.CommitInfo(sha)
	if !info.Verified || info.Author != githubtest.AppLogin || !slices.Equal(info.Parents, []string{head.SHA}) {
		t.Errorf("commit = %+v: want it signed by GitHub as %s on %s", info, githubtest.AppLogin, head.SHA)
	}
	if e.repo.Branch("composeguard/postgres-16.x") != sha {
		t.Errorf("the branch was not created at the commit")
	}
	if info.Files["compose.yaml"] != compose || info.Files["stack/.env"] != string(latin1) {
		t.Errorf("files = %q", info.Files)
	}
	for _, r := range e.fake.Requests() {
		if r.Pattern != "POST /repos/{owner}/{repo}/git/commits" {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"author", "committer", "signature"} {
			if _, ok := body[key]; ok {
				t.Errorf("the commit request names %s, so GitHub would not sign it: %s", key, r.Body)
			}
		}
	}
}

func TestBranchesAndComparison(t *testing.T) {
	e, head := bumpEnv(t)
	c := t.Context()
	const branch = "composeguard/postgres-16.x"
	if _, err := e.client.BranchHead(c, e.target, branch); !errors.Is(err, forge.ErrNotFound) {
		t.Fatalf("missing branch: %v, want ErrNotFound", err)
	}
	commit := forge.NewCommit{Branch: branch, Message: "ours", From: "main", Base: head,
		Files: []forge.CommitFile{{Path: "compose.yaml", Content: []byte("services: {}\n")}}}
	ours, err := e.client.CommitFiles(c, e.target, commit)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CommitFiles(c, e.target, commit); !errors.Is(err, forge.ErrUnprocessable) {
		t.Errorf("creating an existing branch: %v, want ErrUnprocessable", err)
	}
	theirs := e.repo.CommitTo(branch, "alice", map[string]string{"notes.txt": "mine\n"})
	got, err := e.client.BranchHead(c, e.target, branch)
	if err != nil || got.SHA != theirs || got.Tree == "" {
		t.Fatalf("branch head = %+v, %v; want %s with its tree", got, err, theirs)
	}
	commits, err := e.client.CommitsSince(c, e.target, head.SHA, theirs)
	if err != nil {
		t.Fatal(err)
	}
	want := []forge.Commit{{SHA: ours, Message: "ours", Author: githubtest.AppLogin, Verified: true},
		{SHA: theirs, Message: "Edit by alice", Author: "alice"}}
	if !slices.Equal(commits, want) {
		t.Errorf("commits since the base = %+v, want %+v", commits, want)
	}
	// Rebuilding drops alice's commit: only with force.
	commit.Rebuild = true
	rebuilt, err := e.client.CommitFiles(c, e.target, commit)
	if err != nil {
		t.Fatal(err)
	}
	if e.repo.Branch(branch) != rebuilt || !slices.Equal(e.repo.CommitInfo(rebuilt).Parents, []string{head.SHA}) {
		t.Errorf("the branch was not rebuilt on %s", head.SHA)
	}
}

func TestPullsFromBranch(t *testing.T) {
	e, head := bumpEnv(t)
	c := t.Context()
	const branch = "composeguard/postgres-16.x"
	if _, err := e.client.CommitFiles(c, e.target, forge.NewCommit{Branch: branch, Message: "ours", From: "main", Base: head}); err != nil {
		t.Fatal(err)
	}
	open := forge.NewPull{Title: "Update postgres to 16.4", Body: "body", Head: branch, Base: "main"}
	first, err := e.client.CreatePull(c, e.target, open)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreatePull(c, e.target, open); !errors.Is(err, forge.ErrUnprocessable) {
		t.Errorf("a second pull request from the branch: %v, want ErrUnprocessable", err)
	}
	if err := e.client.EditPull(c, e.target, first, forge.PullEdit{Close: true}); err != nil {
		t.Fatal(err)
	}
	second, err := e.client.CreatePull(c, e.target, open)
	if err != nil {
		t.Fatal(err)
	}
	e.repo.CommitTo("feature", "alice", map[string]string{"x": "y"})
	e.repo.AddPull(githubtest.Pull{Number: 99, Title: "someone else's", HeadRef: "feature"})

	pulls, err := e.client.PullsFrom(c, e.target, branch)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pulls {
		got = append(got, fmt.Sprintf("#%d open=%t %s by %s", p.Number, p.Open, p.HeadRef, p.Author))
	}
	want := []string{
		fmt.Sprintf("#%d open=true %s by %s", second, branch, githubtest.AppLogin),
		fmt.Sprintf("#%d open=false %s by %s", first, branch, githubtest.AppLogin),
	}
	if !slices.Equal(got, want) {
		t.Errorf("pulls from the branch = %v, want %v (newest first, closed included)", got, want)
	}
	openPulls, err := e.client.OpenPulls(c, e.target)
	if err != nil || len(openPulls) != 2 || openPulls[0].Number != 99 || openPulls[0].Body != "" {
		t.Errorf("open pulls = %+v, %v", openPulls, err)
	}
}

func TestRepositoriesOfEveryInstallation(t *testing.T) {
	e := newEnv(t)
	for i := range 120 {
		e.fake.AddRepo("acme", fmt.Sprintf("svc%03d", i), testInstallation)
	}
	other := e.fake.AddRepo("globex", "infra", 8)
	other.SetDefaultBranch("trunk")
	e.fake.AddRepo("nobody", "private", 0) // not installed

	repos, err := e.client.Repositories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 122 {
		t.Fatalf("%d repositories, want 122", len(repos))
	}
	last := repos[len(repos)-1]
	if last.String() != "globex/infra" || last.CredentialsKey != "8" || last.Forge != forge.GitHub || last.DefaultBranch != "trunk" {
		t.Errorf("last repository = %+v", last)
	}
	if n := e.fake.Count("GET /installation/repositories"); n != 3 {
		t.Errorf("%d repository list calls, want 3 (two pages for installation 7, one for 8)", n)
	}
}

// TestLogin: the account the client writes as, asked once, for an App,
// a person's token and an installation token (which GET /user refuses).
func TestLogin(t *testing.T) {
	e := newEnv(t)
	for range 2 {
		login, err := e.client.Login(t.Context())
		if err != nil || login != githubtest.AppLogin {
			t.Errorf("login = %q, %v; want %s", login, err, githubtest.AppLogin)
		}
	}
	if n := e.fake.Count("GET /app"); n != 1 {
		t.Errorf("GET /app asked %d times, want once", n)
	}
	e.fake.AllowPersonalToken("ghp_alice", "alice")
	e.fake.AllowToken("ghs_workflow")
	for token, want := range map[string]string{"ghp_alice": "alice", "ghs_workflow": githubtest.TokenLogin} {
		tc, err := NewTokenClient(Options{APIURL: e.fake.URL, Token: token, Transport: e.wire})
		if err != nil {
			t.Fatal(err)
		}
		if login, err := tc.Login(t.Context()); login != want || err != nil {
			t.Errorf("%s: login = %q, %v; want %s", token, login, err, want)
		}
		if _, err := tc.Repositories(t.Context()); !errors.Is(err, errNeedsApp) || strings.Contains(err.Error(), token) {
			t.Errorf("token client repositories: %v, want errNeedsApp", err)
		}
	}
}

func TestPullOpenedButNotLabelled(t *testing.T) {
	e, head := bumpEnv(t)
	const branch = "composeguard/postgres-16.x"
	if _, err := e.client.CommitFiles(t.Context(), e.target, forge.NewCommit{Branch: branch, Message: "ours", From: "main", Base: head}); err != nil {
		t.Fatal(err)
	}
	e.fake.Fail("POST", `/labels$`, 1, githubtest.ServerError())
	n, err := e.client.CreatePull(t.Context(), e.target, forge.NewPull{Title: "t", Body: "b", Head: branch, Base: "main", Labels: []string{"dependencies"}})
	if !errors.Is(err, forge.ErrNotLabelled) || n == 0 || len(e.repo.Pulls()) != 1 {
		t.Errorf("CreatePull with labelling failing = #%d, %v; want the pull request's number and ErrNotLabelled", n, err)
	}
}
