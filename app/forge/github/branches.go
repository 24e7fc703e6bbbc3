package github

import (
	"context"
	"encoding/base64"
	"maps"
	"slices"
	"unicode/utf8"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
)

// maxCompareCommits is the most commits a comparison lists
// (https://docs.github.com/en/rest/commits/commits#compare-two-commits);
// a branch composeguard made holds one.
const maxCompareCommits = 250

// BranchHead reads a branch's head commit and tree with one call.
func (c *Client) BranchHead(ctx context.Context, repo forge.Repo, branch string) (forge.Head, error) {
	api, err := c.api(repo)
	if err != nil {
		return forge.Head{}, err
	}
	b, resp, err := api.Repositories.GetBranch(ctx, repo.Owner, repo.Name, branch, 1)
	if err != nil {
		// go-github reads this answer itself and keeps only the status.
		if resp != nil && resp.Response != nil {
			return forge.Head{}, byStatus(err, "read branch "+branch+" of "+repo.String(), resp.Response, "")
		}
		return forge.Head{}, fail(err, "read branch %s of %s", branch, repo)
	}
	return forge.Head{SHA: b.GetCommit().GetSHA(), Tree: b.GetCommit().GetCommit().GetTree().GetSHA()}, nil
}

// CreateCommit builds a tree on the parent's with the new contents, then a
// commit with no author, committer or signature, which GitHub signs as the
// App. Files keep mode 100644: composeguard edits compose and .env files.
func (c *Client) CreateCommit(ctx context.Context, repo forge.Repo, parent forge.Head, message string, files map[string][]byte) (string, error) {
	api, err := c.api(repo)
	if err != nil {
		return "", err
	}
	entries := make([]*gh.TreeEntry, 0, len(files))
	for _, p := range slices.Sorted(maps.Keys(files)) {
		e := &gh.TreeEntry{Path: gh.Ptr(p), Mode: gh.Ptr("100644"), Type: gh.Ptr("blob")}
		if utf8.Valid(files[p]) {
			e.Content = gh.Ptr(string(files[p]))
		} else if e.SHA, err = c.createBlob(ctx, api, repo, files[p]); err != nil {
			return "", err
		}
		entries = append(entries, e)
	}
	tree, _, err := api.Git.CreateTree(ctx, repo.Owner, repo.Name, parent.Tree, entries)
	if err != nil {
		return "", fail(err, "create a tree in %s", repo)
	}
	commit, _, err := api.Git.CreateCommit(ctx, repo.Owner, repo.Name, gh.Commit{
		Message: gh.Ptr(message),
		Tree:    &gh.Tree{SHA: tree.SHA},
		Parents: []*gh.Commit{{SHA: gh.Ptr(parent.SHA)}},
	}, nil)
	if err != nil {
		return "", fail(err, "create a commit in %s", repo)
	}
	return commit.GetSHA(), nil
}

// createBlob uploads content that is not UTF-8, which a tree's inline
// content (a JSON string) cannot carry byte for byte.
func (c *Client) createBlob(ctx context.Context, api *gh.Client, repo forge.Repo, content []byte) (*string, error) {
	blob, _, err := api.Git.CreateBlob(ctx, repo.Owner, repo.Name, gh.Blob{
		Content:  gh.Ptr(base64.StdEncoding.EncodeToString(content)),
		Encoding: gh.Ptr("base64"),
	})
	if err != nil {
		return nil, fail(err, "create a blob in %s", repo)
	}
	return blob.SHA, nil
}

// CreateBranch creates refs/heads/branch at sha.
func (c *Client) CreateBranch(ctx context.Context, repo forge.Repo, branch, sha string) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	if _, _, err := api.Git.CreateRef(ctx, repo.Owner, repo.Name, gh.CreateRef{Ref: "refs/heads/" + branch, SHA: sha}); err != nil {
		return fail(err, "create branch %s in %s", branch, repo)
	}
	return nil
}

// ResetBranch moves a branch with force, as rebuilding it from the base
// requires.
func (c *Client) ResetBranch(ctx context.Context, repo forge.Repo, branch, sha string) error {
	api, err := c.api(repo)
	if err != nil {
		return err
	}
	if _, _, err := api.Git.UpdateRef(ctx, repo.Owner, repo.Name, "heads/"+branch, gh.UpdateRef{SHA: sha, Force: gh.Ptr(true)}); err != nil {
		return fail(err, "move branch %s of %s", branch, repo)
	}
	return nil
}

// CommitsSince compares base...head: the commits head has and base lacks.
func (c *Client) CommitsSince(ctx context.Context, repo forge.Repo, base, head string) ([]forge.Commit, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	commits, err := listAll(maxCompareCommits, func(opts gh.ListOptions) ([]*gh.RepositoryCommit, *gh.Response, error) {
		cmp, resp, err := api.Repositories.CompareCommits(ctx, repo.Owner, repo.Name, base, head, &opts)
		return cmp.GetCommits(), resp, err
	})
	if err != nil {
		return nil, fail(err, "compare %s...%s in %s", base, head, repo)
	}
	out := make([]forge.Commit, 0, len(commits))
	for _, rc := range commits {
		out = append(out, forge.Commit{
			SHA:      rc.GetSHA(),
			Message:  rc.GetCommit().GetMessage(),
			Author:   rc.GetAuthor().GetLogin(),
			Verified: rc.GetCommit().GetVerification().GetVerified(),
		})
	}
	return out, nil
}
