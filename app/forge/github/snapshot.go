package github

import (
	"context"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// Git tree modes that hold a regular file; symbolic links (120000) and
// submodules (160000) are not files of the snapshot.
var fileModes = map[string]bool{"100644": true, "100755": true}

// Snapshot lists the files of the commit sha with one API call; each file
// is fetched on its first read, through the Client's blob cache, with ctx.
// GitHub truncates recursive trees over its limits
// (https://docs.github.com/en/rest/git/trees#get-a-tree): a path the
// listing left out reads as forgekit.ErrTreeTruncated.
func (c *Client) Snapshot(ctx context.Context, repo forge.Repo, sha string) (forge.Snapshot, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	tree, _, err := api.Git.GetTree(ctx, repo.Owner, repo.Name, sha, true)
	if err != nil {
		return nil, fail(err, "list the files of %s at %s", repo, sha)
	}
	files := map[string]forgekit.File{}
	for _, e := range tree.Entries {
		if e.GetType() == "blob" && fileModes[e.GetMode()] {
			files[e.GetPath()] = forgekit.File{Blob: e.GetSHA(), Size: e.GetSize()}
		}
	}
	return forgekit.NewSnapshot(ctx, files, tree.GetTruncated(), func(blob string) ([]byte, error) {
		return c.blob(ctx, api, repo, blob)
	}), nil
}

// blob returns a blob's content from the cache or from GitHub.
func (c *Client) blob(ctx context.Context, api *gh.Client, repo forge.Repo, sha string) ([]byte, error) {
	return c.blobs.Get(repo.String()+"@"+sha, func() ([]byte, error) {
		b, _, err := api.Git.GetBlobRaw(ctx, repo.Owner, repo.Name, sha)
		if err != nil {
			return nil, fail(err, "fetch blob %s of %s", sha, repo)
		}
		return b, nil
	})
}
