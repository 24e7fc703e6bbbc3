package gitlab

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// maxTreeEntries bounds the listing of one commit (files and folders, 100
// a page): a repository larger than this is listed in part, and a path left
// out reads as forgekit.ErrTreeTruncated.
const maxTreeEntries = 50_000

// Git tree modes that hold a regular file; symbolic links (120000) and
// submodules (160000) are not files of the snapshot.
var fileModes = map[string]bool{"100644": true, "100755": true}

// Snapshot lists the files of the commit sha, 100 a page with keyset
// pagination (https://docs.gitlab.com/api/repositories/#list-repository-tree);
// each file is fetched raw on its first read, by blob id through the
// Client's cache, with ctx.
func (c *Client) Snapshot(ctx context.Context, repo forge.Repo, sha string) (forge.Snapshot, error) {
	opts := &gl.ListTreeOptions{Ref: &sha, Recursive: gl.Ptr(true),
		ListOptions: gl.ListOptions{Pagination: "keyset", PerPage: perPage}}
	nodes, err := gl.ScanAndCollectN(func(p gl.PaginationOptionFunc) ([]*gl.TreeNode, *gl.Response, error) {
		return c.api.Repositories.ListTree(project(repo), opts, p, gl.WithContext(ctx))
	}, maxTreeEntries+1)
	if err != nil {
		return nil, fail(err, "list the files of %s at %s", repo, sha)
	}
	truncated := len(nodes) > maxTreeEntries
	files := map[string]forgekit.File{}
	for _, n := range nodes[:min(len(nodes), maxTreeEntries)] {
		if n.Type == "blob" && fileModes[n.Mode] {
			files[n.Path] = forgekit.File{Blob: n.ID}
		}
	}
	return forgekit.NewSnapshot(ctx, files, truncated, func(blob string) ([]byte, error) {
		return c.blobs.Get(project(repo)+"@"+blob, func() ([]byte, error) {
			b, _, err := c.api.Repositories.RawBlobContent(project(repo), blob, gl.WithContext(ctx))
			if errors.Is(err, errBlobTooLarge) {
				return nil, compose.ErrTooLarge
			}
			if err != nil {
				return nil, fail(err, "fetch blob %s of %s", blob, repo)
			}
			return b, nil
		})
	}), nil
}

// errBlobTooLarge stops reading a raw blob past compose.MaxFileSize: GitLab's
// tree listing gives no sizes, so the read itself is bounded.
var errBlobTooLarge = errors.New("blob over the size composeguard reads")

// boundBlobs is the client's transport: it cuts raw blob bodies off after
// compose.MaxFileSize bytes.
type boundBlobs struct{ next http.RoundTripper }

func (t boundBlobs) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusOK && strings.Contains(r.URL.Path, "/repository/blobs/") && strings.HasSuffix(r.URL.Path, "/raw") {
		resp.Body = &boundedBody{ReadCloser: resp.Body, left: compose.MaxFileSize}
	}
	return resp, err
}

type boundedBody struct {
	io.ReadCloser
	left int
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errBlobTooLarge
	}
	n, err := b.ReadCloser.Read(p[:min(len(p), b.left+1)])
	b.left -= n
	if b.left < 0 {
		return n, errBlobTooLarge
	}
	return n, err
}
