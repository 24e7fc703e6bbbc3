package github

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
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

// CommitFiles builds a tree on the base's with the new contents, then a
// commit with no author, committer or signature, which GitHub signs as the
// App, then creates the branch there or, to rebuild it, moves it with force.
// Files keep mode 100644: composeguard edits compose and .env files.
func (c *Client) CommitFiles(ctx context.Context, repo forge.Repo, commit forge.NewCommit) (string, error) {
	api, err := c.api(repo)
	if err != nil {
		return "", err
	}
	files := slices.SortedFunc(slices.Values(commit.Files), func(a, b forge.CommitFile) int { return strings.Compare(a.Path, b.Path) })
	entries := make([]*gh.TreeEntry, 0, len(files))
	for _, f := range files {
		e := &gh.TreeEntry{Path: gh.Ptr(f.Path), Mode: gh.Ptr("100644"), Type: gh.Ptr("blob")}
		if utf8.Valid(f.Content) {
			e.Content = gh.Ptr(string(f.Content))
		} else if e.SHA, err = c.createBlob(ctx, api, repo, f.Content); err != nil {
			return "", err
		}
		entries = append(entries, e)
	}
	tree, _, err := api.Git.CreateTree(ctx, repo.Owner, repo.Name, commit.Base.Tree, entries)
	if err != nil {
		return "", fail(err, "create a tree in %s", repo)
	}
	made, _, err := api.Git.CreateCommit(ctx, repo.Owner, repo.Name, gh.Commit{
		Message: gh.Ptr(commit.Message),
		Tree:    &gh.Tree{SHA: tree.SHA},
		Parents: []*gh.Commit{{SHA: gh.Ptr(commit.Base.SHA)}},
	}, nil)
	if err != nil {
		return "", fail(err, "create a commit in %s", repo)
	}
	if commit.Rebuild {
		_, _, err = api.Git.UpdateRef(ctx, repo.Owner, repo.Name, "heads/"+commit.Branch, gh.UpdateRef{SHA: made.GetSHA(), Force: gh.Ptr(true)})
	} else {
		_, _, err = api.Git.CreateRef(ctx, repo.Owner, repo.Name, gh.CreateRef{Ref: "refs/heads/" + commit.Branch, SHA: made.GetSHA()})
	}
	if err != nil {
		return "", fail(err, "move branch %s of %s to the new commit", commit.Branch, repo)
	}
	return made.GetSHA(), nil
}

// SignsCommits is true: GitHub signs what an App commits through the API
// without naming an author.
func (c *Client) SignsCommits() bool { return true }

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
