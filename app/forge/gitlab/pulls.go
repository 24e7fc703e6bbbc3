package gitlab

import (
	"context"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

const (
	// perPage is the largest page GitLab serves
	// (https://docs.gitlab.com/api/rest/#offset-based-pagination).
	perPage = 100
	// maxChangedFiles bounds the diffs read of one merge request; GitLab's
	// own default limit on a merge request's diff is 1,000 files
	// (https://docs.gitlab.com/administration/diff_limits/), so this is
	// reached only on an instance whose limits were raised.
	maxChangedFiles = 3000
	// maxDiffRefs bounds the merge request heads whose diff refs are kept
	// for placing comments.
	maxDiffRefs = 1024
)

// PullRequest reads a merge request's head, the base it is compared with
// and its state, and keeps its diff refs for placing comments at this head.
func (c *Client) PullRequest(ctx context.Context, repo forge.Repo, number int) (forge.PullRequest, error) {
	mr, _, err := c.api.MergeRequests.GetMergeRequest(project(repo), int64(number), nil, gl.WithContext(ctx))
	if err != nil {
		return forge.PullRequest{}, fail(err, "read merge request %s!%d", repo, number)
	}
	c.keepDiffRefs(repo, number, mr)
	return forge.PullRequest{
		Repo:    repo,
		Number:  int(mr.IID),
		Title:   mr.Title,
		HeadSHA: mr.SHA,
		// The merge base, as GitLab's own diff shows the change.
		BaseSHA:  mr.DiffRefs.BaseSha,
		BaseRef:  mr.TargetBranch,
		Draft:    mr.Draft,
		FromFork: mr.SourceProjectID != mr.TargetProjectID,
		Open:     mr.State == "opened",
	}, nil
}

// OpenPullRequestsAt lists the open merge requests whose head is sha, of
// those GitLab associates with the commit
// (https://docs.gitlab.com/api/commits/#list-merge-requests-associated-with-a-commit).
func (c *Client) OpenPullRequestsAt(ctx context.Context, repo forge.Repo, sha string) ([]forge.PullRequest, error) {
	mrs, _, err := c.api.Commits.ListMergeRequestsByCommit(project(repo), sha, gl.WithContext(ctx))
	if err != nil {
		return nil, fail(err, "list the merge requests of %s at %s", repo, sha)
	}
	var out []forge.PullRequest
	for _, mr := range mrs {
		if mr.State == "opened" && mr.SHA == sha {
			out = append(out, forge.PullRequest{Repo: repo, Number: int(mr.IID), Title: mr.Title, HeadSHA: sha,
				BaseRef: mr.TargetBranch, Draft: mr.Draft, Open: true})
		}
	}
	return out, nil
}

func (c *Client) keepDiffRefs(repo forge.Repo, number int, mr *gl.MergeRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.diffRefs) >= maxDiffRefs {
		clear(c.diffRefs)
	}
	c.diffRefs[mergeRequestHead{project(repo), number, mr.SHA}] = mr.DiffRefs
}

// positionRefs are the diff refs a comment on the merge request at head is
// positioned by: kept from the last read, else read again.
func (c *Client) positionRefs(ctx context.Context, repo forge.Repo, number int, head string) (gl.MergeRequestDiffRefs, error) {
	key := mergeRequestHead{project(repo), number, head}
	c.mu.Lock()
	refs, ok := c.diffRefs[key]
	c.mu.Unlock()
	if ok {
		return refs, nil
	}
	pr, err := c.PullRequest(ctx, repo, number)
	if err != nil {
		return gl.MergeRequestDiffRefs{}, err
	}
	c.mu.Lock()
	refs, ok = c.diffRefs[key]
	c.mu.Unlock()
	if !ok {
		// Positions against another head would be refused or misplaced.
		return refs, &forge.RetryableError{Err: errMoved(repo, number, head, pr.HeadSHA)}
	}
	return refs, nil
}

// ChangedFiles lists the files the merge request changes with the lines of
// each file's diff, all pages. A file whose diff GitLab leaves out (too
// large, collapsed, binary) has no lines: nothing can be commented on it.
func (c *Client) ChangedFiles(ctx context.Context, repo forge.Repo, number int) ([]forge.ChangedFile, error) {
	opts := &gl.ListMergeRequestDiffsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	diffs, err := gl.ScanAndCollectN(func(p gl.PaginationOptionFunc) ([]*gl.MergeRequestDiff, *gl.Response, error) {
		return c.api.MergeRequests.ListMergeRequestDiffs(project(repo), int64(number), opts, p, gl.WithContext(ctx))
	}, maxChangedFiles)
	if err != nil {
		return nil, fail(err, "list the diffs of merge request %s!%d", repo, number)
	}
	out := make([]forge.ChangedFile, 0, len(diffs))
	for _, d := range diffs {
		lines, added := forgekit.ParsePatch(d.Diff)
		f := forge.ChangedFile{Path: d.NewPath, Status: "modified", Lines: lines, Added: added}
		switch {
		case d.NewFile:
			f.Status = "added"
		case d.DeletedFile:
			f.Status = "removed"
		case d.RenamedFile:
			f.Status, f.PreviousPath = "renamed", d.OldPath
		}
		out = append(out, f)
	}
	return out, nil
}
