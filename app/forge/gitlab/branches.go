package gitlab

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"unicode/utf8"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
)

const (
	// maxProjects bounds the projects a scheduled run visits, oldest
	// first: a user bot can be made a member of anyone's project.
	maxProjects = 10_000
	// maxBranchCommits bounds the commits read of a branch since its base;
	// a branch composeguard made holds one.
	maxBranchCommits = 250
)

// Repositories lists the projects the token's user may push to (Developer
// or more, as a member), not archived, oldest first, 100 a page with keyset
// pagination (https://docs.gitlab.com/api/projects/#list-all-projects). An
// empty project has no default branch.
func (c *Client) Repositories(ctx context.Context) ([]forge.Repository, error) {
	opts := &gl.ListProjectsOptions{
		ListOptions:    gl.ListOptions{Pagination: "keyset", OrderBy: "id", Sort: "asc", PerPage: perPage},
		Membership:     gl.Ptr(true),
		MinAccessLevel: gl.Ptr(gl.DeveloperPermissions),
		Archived:       gl.Ptr(false),
		Simple:         gl.Ptr(true),
	}
	projects, err := gl.ScanAndCollectN(func(p gl.PaginationOptionFunc) ([]*gl.Project, *gl.Response, error) {
		return c.api.Projects.ListProjects(opts, p, gl.WithContext(ctx))
	}, maxProjects)
	if err != nil {
		return nil, fail(err, "list the projects the token may push to")
	}
	out := make([]forge.Repository, 0, len(projects))
	for _, p := range projects {
		i := strings.LastIndex(p.PathWithNamespace, "/")
		if i < 0 {
			continue
		}
		out = append(out, forge.Repository{
			Repo:          forge.Repo{Forge: forge.GitLab, Owner: p.PathWithNamespace[:i], Name: p.PathWithNamespace[i+1:]},
			DefaultBranch: p.DefaultBranch,
		})
	}
	return out, nil
}

// BranchHead reads a branch's head commit; GitLab gives no tree id, which
// CommitFiles does not need. An empty name, the default branch of an empty
// project, is no branch.
func (c *Client) BranchHead(ctx context.Context, repo forge.Repo, branch string) (forge.Head, error) {
	if branch == "" {
		return forge.Head{}, forge.ErrNotFound
	}
	b, _, err := c.api.Branches.GetBranch(project(repo), branch, gl.WithContext(ctx))
	if err != nil {
		return forge.Head{}, fail(err, "read branch %s of %s", branch, repo)
	}
	return forge.Head{SHA: b.Commit.ID}, nil
}

// CommitFiles makes the commit with one call
// (https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions):
// the branch is made from commit.From, or rebuilt from it with force; each
// replaced file carries last_commit_id, the base as read, so GitLab refuses
// (400, forge.ErrUnprocessable) a file changed on From since then instead
// of overwriting the change. Content that is not UTF-8 is sent as base64.
// GitLab writes the token's user as author and committer and signs nothing.
func (c *Client) CommitFiles(ctx context.Context, repo forge.Repo, commit forge.NewCommit) (string, error) {
	actions := make([]*gl.CommitActionOptions, 0, len(commit.Files))
	for _, f := range commit.Files {
		a := &gl.CommitActionOptions{Action: gl.Ptr(gl.FileUpdate), FilePath: gl.Ptr(f.Path), LastCommitID: gl.Ptr(commit.Base.SHA)}
		if f.New {
			a.Action, a.LastCommitID = gl.Ptr(gl.FileCreate), nil
		}
		if utf8.Valid(f.Content) {
			a.Content, a.Encoding = gl.Ptr(string(f.Content)), gl.Ptr("text")
		} else {
			a.Content, a.Encoding = gl.Ptr(base64.StdEncoding.EncodeToString(f.Content)), gl.Ptr("base64")
		}
		actions = append(actions, a)
	}
	made, _, err := c.api.Commits.CreateCommit(project(repo), &gl.CreateCommitOptions{
		Branch:        gl.Ptr(commit.Branch),
		CommitMessage: gl.Ptr(commit.Message),
		StartBranch:   gl.Ptr(commit.From),
		Actions:       actions,
		Force:         gl.Ptr(commit.Rebuild),
	}, gl.WithContext(ctx))
	if err != nil {
		return "", fail(err, "commit to branch %s of %s", commit.Branch, repo)
	}
	return made.ID, nil
}

// SignsCommits is false: GitLab signs no commit made through its API.
func (c *Client) SignsCommits() bool { return false }

// CommitsSince lists base..head, newest first as git log gives them, and
// returns them oldest first. A commit is the token user's when both its
// author and its committer are the user's commit email, as GitLab writes
// them for API commits; GitLab names no account for anyone else's.
func (c *Client) CommitsSince(ctx context.Context, repo forge.Repo, base, head string) ([]forge.Commit, error) {
	me, err := c.identity(ctx)
	if err != nil {
		return nil, err
	}
	opts := &gl.ListCommitsOptions{ListOptions: gl.ListOptions{PerPage: perPage}, RefName: gl.Ptr(base + ".." + head)}
	commits, err := gl.ScanAndCollectN(func(p gl.PaginationOptionFunc) ([]*gl.Commit, *gl.Response, error) {
		return c.api.Commits.ListCommits(project(repo), opts, p, gl.WithContext(ctx))
	}, maxBranchCommits)
	if err != nil {
		return nil, fail(err, "list the commits of %s..%s in %s", base, head, repo)
	}
	out := make([]forge.Commit, 0, len(commits))
	for _, gc := range slices.Backward(commits) {
		fc := forge.Commit{SHA: gc.ID, Message: gc.Message}
		if me.commitEmail != "" && strings.EqualFold(gc.AuthorEmail, me.commitEmail) && strings.EqualFold(gc.CommitterEmail, me.commitEmail) {
			fc.Author = me.username
		}
		out = append(out, fc)
	}
	return out, nil
}
