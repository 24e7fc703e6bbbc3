package github

import (
	"context"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// maxChangedFiles is the most files GitHub lists for a pull request
// (https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files).
const maxChangedFiles = 3000

// PullRequest reads a pull request's head, base and state.
func (c *Client) PullRequest(ctx context.Context, repo forge.Repo, number int) (forge.PullRequest, error) {
	api, err := c.api(repo)
	if err != nil {
		return forge.PullRequest{}, err
	}
	pr, _, err := api.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return forge.PullRequest{}, fail(err, "read pull request %s#%d", repo, number)
	}
	return forge.PullRequest{
		Repo:          repo,
		Number:        pr.GetNumber(),
		Title:         pr.GetTitle(),
		HeadSHA:       pr.GetHead().GetSHA(),
		BaseSHA:       pr.GetBase().GetSHA(),
		BaseRef:       pr.GetBase().GetRef(),
		DefaultBranch: pr.GetBase().GetRepo().GetDefaultBranch(),
		Draft:         pr.GetDraft(),
		// A deleted fork leaves no head repository: still a fork.
		FromFork:     pr.GetHead().GetRepo().GetID() != pr.GetBase().GetRepo().GetID(),
		Open:         pr.GetState() == "open",
		ChangedFiles: pr.GetChangedFiles(),
	}, nil
}

// maxPullsAtCommit bounds the pull requests read for one commit.
const maxPullsAtCommit = 300

// OpenPullRequestsAt lists the open pull requests whose head is sha, from
// those GitHub associates with the commit
// (https://docs.github.com/en/rest/commits/commits#list-pull-requests-associated-with-a-commit).
func (c *Client) OpenPullRequestsAt(ctx context.Context, repo forge.Repo, sha string) ([]forge.PullRequest, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	all, err := listAll(maxPullsAtCommit, func(opts gh.ListOptions) ([]*gh.PullRequest, *gh.Response, error) {
		return api.PullRequests.ListPullRequestsWithCommit(ctx, repo.Owner, repo.Name, sha, &opts)
	})
	if err != nil {
		return nil, fail(err, "list the pull requests of %s at %s", repo, sha)
	}
	var out []forge.PullRequest
	for _, pr := range all {
		if pr.GetState() == "open" && pr.GetHead().GetSHA() == sha {
			out = append(out, forge.PullRequest{Repo: repo, Number: pr.GetNumber(), Title: pr.GetTitle(), HeadSHA: sha,
				BaseSHA: pr.GetBase().GetSHA(), BaseRef: pr.GetBase().GetRef(), Draft: pr.GetDraft(), Open: true})
		}
	}
	return out, nil
}

// ChangedFiles lists every file the pull request changes (GitHub stops at
// 3,000), with the lines of each file's diff. A file GitHub gives no patch
// for (too large, binary) has no lines: nothing can be commented on it.
func (c *Client) ChangedFiles(ctx context.Context, repo forge.Repo, number int) ([]forge.ChangedFile, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	files, err := listAll(maxChangedFiles, func(opts gh.ListOptions) ([]*gh.CommitFile, *gh.Response, error) {
		return api.PullRequests.ListFiles(ctx, repo.Owner, repo.Name, number, &opts)
	})
	if err != nil {
		return nil, fail(err, "list the files of pull request %s#%d", repo, number)
	}
	out := make([]forge.ChangedFile, 0, len(files))
	for _, f := range files {
		lines, added := forgekit.ParsePatch(f.GetPatch())
		out = append(out, forge.ChangedFile{
			Path:         f.GetFilename(),
			PreviousPath: f.GetPreviousFilename(),
			Status:       f.GetStatus(),
			Lines:        lines,
			Added:        added,
		})
	}
	return out, nil
}
