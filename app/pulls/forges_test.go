package pulls_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/github"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/app/forge/gitlab"
	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
	"github.com/composeguard/composeguard/app/pulls"
)

// The flow's scenarios run on the fake GitHub and the fake GitLab alike,
// through hub and fakeRepo, which say what each fake holds in the same
// terms: a pull request is a merge request on GitLab, its number the iid.

// hub is a fake forge and the client the flow reaches it with.
type hub interface {
	kind() forge.Kind
	client() pulls.Forge
	// login is the server's account on the forge.
	login() string
	// signs: the forge signs the server's commits.
	signs() bool
	// addRepo adds a repository the server may act on, whose main branch
	// holds files pushed by a person.
	addRepo(owner, name string, files map[string]string) (fakeRepo, forge.Repository)
	// requests is every request received, as "METHOD path" with its body.
	requests() []request
	// failOpening fails the next pull request opened with a server error,
	// or a rate limit lifted after rateLimited when that is not zero.
	failOpening(rateLimited time.Duration)
	checkOperations(t testing.TB)
}

type request struct {
	line string // "POST /repos/acme/stack/pulls"
	body []byte
	// write: the request changes something on the forge.
	write bool
}

// fakeRepo is a repository of a hub.
type fakeRepo interface {
	commitTo(branch, user string, files map[string]string) string
	branch(name string) string
	commit(sha string) commitView
	pulls() []pullView
	closePull(n int)
	mergePull(n int)
	setPullCreated(n int, at time.Time)
	// comments are the bodies of the pull request's conversation.
	comments(n int) []string
	// impostors push a commit to branch that passes for the server's in
	// all but one way each, with message and files.
	impostors() []impostor
}

type impostor struct {
	name string
	push func(branch, message string, files map[string]string) string
}

type commitView struct {
	Message  string
	Author   string // the login the forge links it to, "" for none
	Verified bool
	Parents  []string
	Files    map[string]string
}

type pullView struct {
	Number         int
	Title, Body    string
	HeadRef        string
	BaseRef, User  string
	Labels         []string
	Closed, Merged bool
	// RemovesBranch: the forge deletes the branch when it is merged.
	RemovesBranch bool
}

// onEachForge runs test on a fake GitHub and on a fake GitLab.
func onEachForge(t *testing.T, test func(t *testing.T, newHub func(*testing.T) hub)) {
	t.Run("GitHub", func(t *testing.T) { test(t, newGitHubHub) })
	t.Run("GitLab", func(t *testing.T) { test(t, newGitLabHub) })
}

// GitHub: an App installed on the repositories.

const (
	appID        = 4242
	installation = 7
)

type githubHub struct {
	fake *githubtest.Fake
	api  *github.Client
}

func newGitHubHub(t *testing.T) hub {
	t.Helper()
	f := githubtest.New(t)
	f.SetApp(appID, &githubtest.AppKey().PublicKey)
	client, err := github.NewAppClient(github.Options{APIURL: f.URL, AppID: appID, PrivateKey: githubtest.AppKeyPEM()})
	if err != nil {
		t.Fatal(err)
	}
	return &githubHub{fake: f, api: client}
}

func (h *githubHub) kind() forge.Kind    { return forge.GitHub }
func (h *githubHub) client() pulls.Forge { return h.api }
func (h *githubHub) login() string       { return githubtest.AppLogin }
func (h *githubHub) signs() bool         { return true }
func (h *githubHub) failOpening(rateLimited time.Duration) {
	fault := githubtest.ServerError()
	if rateLimited > 0 {
		fault = githubtest.TooManyRequests(rateLimited)
	}
	h.fake.Fail(http.MethodPost, `/pulls$`, 1, fault)
}
func (h *githubHub) checkOperations(t testing.TB) { h.fake.CheckOperations(t) }

// addRepo installs the App on owner/name: acme's repositories in the same
// installation, anyone else's in another.
func (h *githubHub) addRepo(owner, name string, files map[string]string) (fakeRepo, forge.Repository) {
	inst := int64(installation)
	if owner != "acme" {
		inst = installation + 1
	}
	r := h.fake.AddRepo(owner, name, inst)
	r.CommitTo("main", "octocat", files)
	return githubRepo{r}, forge.Repository{Repo: forge.Repo{Forge: forge.GitHub, Owner: owner, Name: name,
		CredentialsKey: strconv.FormatInt(inst, 10)}, DefaultBranch: "main"}
}

func (h *githubHub) requests() []request {
	var out []request
	for _, r := range h.fake.Requests() {
		out = append(out, request{line: r.Method + " " + r.Path, body: r.Body,
			write: r.Method != http.MethodGet && r.Pattern != "POST /app/installations/{installation_id}/access_tokens"})
	}
	return out
}

type githubRepo struct{ r *githubtest.Repo }

func (g githubRepo) commitTo(branch, user string, files map[string]string) string {
	return g.r.CommitTo(branch, user, files)
}
func (g githubRepo) branch(name string) string { return g.r.Branch(name) }
func (g githubRepo) commit(sha string) commitView {
	c := g.r.CommitInfo(sha)
	return commitView{Message: c.Message, Author: c.Author, Verified: c.Verified, Parents: c.Parents, Files: c.Files}
}
func (g githubRepo) pulls() []pullView {
	var out []pullView
	for _, p := range g.r.Pulls() {
		out = append(out, pullView{Number: p.Number, Title: p.Title, Body: p.Body, HeadRef: p.HeadRef, BaseRef: p.BaseRef,
			User: p.User, Labels: p.Labels, Closed: p.Closed, Merged: p.Merged})
	}
	return out
}
func (g githubRepo) closePull(n int)                    { g.r.ClosePull(n) }
func (g githubRepo) mergePull(n int)                    { g.r.MergePull(n) }
func (g githubRepo) setPullCreated(n int, at time.Time) { g.r.SetPullCreated(n, at) }
func (g githubRepo) comments(n int) []string {
	var out []string
	for _, c := range g.r.IssueComments(n) {
		out = append(out, c.Body)
	}
	return out
}

// impostors on GitHub: a commit is the App's when its author is linked to
// the App's bot, GitHub verified its signature and it has the trailer.
func (g githubRepo) impostors() []impostor {
	as := func(author string, verified, trailer bool) func(string, string, map[string]string) string {
		return func(branch, message string, files map[string]string) string {
			if !trailer {
				message = "Update postgres to 16.3"
			}
			return g.r.CommitAs(branch, githubtest.CommitInfo{Message: message, Author: author, Verified: verified, Files: files})
		}
	}
	return []impostor{
		// Signed by its committer, with an author whose email GitHub links
		// to no account.
		{"signed with the trailer, no author linked", as("", true, true)},
		// Anyone may name the bot's email as author and copy the message.
		{"the bot's author and trailer, unsigned", as(githubtest.AppLogin, false, true)},
		// Another tool sharing the App's installation.
		{"signed for the bot, no trailer", as(githubtest.AppLogin, true, false)},
	}
}

// GitLab: a bot user's token, a member of the projects.

const (
	gitlabToken = "glpat-pulls-test-7d1e"
	gitlabBot   = "composeguard-bot"
)

type gitlabHub struct {
	fake *gitlabtest.Fake
	api  *gitlab.Client
}

func newGitLabHub(t *testing.T) hub {
	t.Helper()
	f := gitlabtest.New(t)
	f.AddUser(gitlabToken, gitlabBot)
	client, err := gitlab.New(gitlab.Options{URL: f.URL, Token: gitlabToken})
	if err != nil {
		t.Fatal(err)
	}
	return &gitlabHub{fake: f, api: client}
}

func (h *gitlabHub) kind() forge.Kind    { return forge.GitLab }
func (h *gitlabHub) client() pulls.Forge { return h.api }
func (h *gitlabHub) login() string       { return gitlabBot }
func (h *gitlabHub) signs() bool         { return false }
func (h *gitlabHub) failOpening(rateLimited time.Duration) {
	fault := gitlabtest.ServerError()
	if rateLimited > 0 {
		fault = gitlabtest.TooManyRequests(rateLimited)
	}
	h.fake.Fail(http.MethodPost, `/merge_requests$`, 1, fault)
}
func (h *gitlabHub) checkOperations(t testing.TB) { h.fake.CheckOperations(t) }

func (h *gitlabHub) addRepo(owner, name string, files map[string]string) (fakeRepo, forge.Repository) {
	p := h.fake.AddProject(owner + "/" + name)
	p.CommitTo("main", "octocat", files)
	return gitlabRepo{p}, forge.Repository{Repo: forge.Repo{Forge: forge.GitLab, Owner: owner, Name: name}, DefaultBranch: "main"}
}

func (h *gitlabHub) requests() []request {
	var out []request
	for _, r := range h.fake.Requests() {
		out = append(out, request{line: r.Method + " " + r.Path, body: r.Body, write: r.Method != http.MethodGet})
	}
	return out
}

type gitlabRepo struct{ p *gitlabtest.Project }

func (g gitlabRepo) commitTo(branch, user string, files map[string]string) string {
	return g.p.CommitTo(branch, user, files)
}
func (g gitlabRepo) branch(name string) string { return g.p.Branch(name) }

// commit names the bot as author where GitLab would link the commit to it:
// its author and committer are the bot's commit email.
func (g gitlabRepo) commit(sha string) commitView {
	c := g.p.CommitInfo(sha)
	v := commitView{Message: c.Message, Parents: c.Parents, Files: c.Files}
	if c.AuthorEmail == gitlabtest.CommitEmail(gitlabBot) && c.CommitterEmail == c.AuthorEmail {
		v.Author = gitlabBot
	}
	return v
}
func (g gitlabRepo) pulls() []pullView {
	var out []pullView
	for _, mr := range g.p.MergeRequests() {
		out = append(out, pullView{Number: int(mr.IID), Title: mr.Title, Body: mr.Description, HeadRef: mr.SourceBranch,
			BaseRef: mr.TargetBranch, User: mr.Author, Labels: mr.Labels, Closed: mr.Closed, Merged: mr.Merged, RemovesBranch: mr.RemoveSourceBranch})
	}
	return out
}
func (g gitlabRepo) closePull(n int)                    { g.p.CloseMergeRequest(int64(n)) }
func (g gitlabRepo) mergePull(n int)                    { g.p.MergeMergeRequest(int64(n)) }
func (g gitlabRepo) setPullCreated(n int, at time.Time) { g.p.SetMergeRequestCreated(int64(n), at) }
func (g gitlabRepo) comments(n int) []string {
	var out []string
	for _, d := range g.p.Notes(int64(n)) {
		out = append(out, d.Notes[0].Body)
	}
	return out
}

// impostors on GitLab, which signs no API commit: a commit is the bot's
// when its author and committer are the bot's commit email and it has the
// trailer.
func (g gitlabRepo) impostors() []impostor {
	as := func(author, committer string, trailer bool) func(string, string, map[string]string) string {
		return func(branch, message string, files map[string]string) string {
			if !trailer {
				message = "Update postgres to 16.3"
			}
			return g.p.CommitAs(branch, gitlabtest.CommitInfo{Message: message, AuthorName: author, AuthorEmail: gitlabtest.CommitEmail(author),
				CommitterName: committer, CommitterEmail: gitlabtest.CommitEmail(committer), Files: files})
		}
	}
	return []impostor{
		// Anyone may write the bot's email as author and copy the message;
		// the push is still committed by them.
		{"the bot's author and trailer, pushed by alice", as(gitlabBot, "alice", true)},
		{"the trailer, by alice", as("alice", "alice", true)},
		// Another tool using the same token.
		{"by the bot, no trailer", as(gitlabBot, gitlabBot, false)},
	}
}
