package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	gh "github.com/google/go-github/v88/github"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
)

// Git tree modes that hold a regular file; symbolic links (120000) and
// submodules (160000) are not files of the snapshot.
var fileModes = map[string]bool{"100644": true, "100755": true}

// ErrTreeTruncated is returned when reading a path the commit's tree listing
// left out: GitHub truncates recursive trees over its limits
// (https://docs.github.com/en/rest/git/trees#get-a-tree).
var ErrTreeTruncated = errors.New("the repository's file listing was truncated by GitHub")

// Snapshot is a commit's files as one recursive tree listing names them;
// each file is fetched on its first read, through the Client's blob cache.
type Snapshot struct {
	ctx       context.Context // the Snapshot call's, for the lazy reads
	client    *Client
	api       *gh.Client
	repo      forge.Repo
	files     map[string]treeFile
	paths     []string
	truncated bool

	mu  sync.Mutex
	err error
}

type treeFile struct {
	sha  string
	size int
}

// Snapshot lists the files of the commit sha with one API call. Reads made
// through it use ctx.
func (c *Client) Snapshot(ctx context.Context, repo forge.Repo, sha string) (compose.Snapshot, error) {
	api, err := c.api(repo)
	if err != nil {
		return nil, err
	}
	tree, _, err := api.Git.GetTree(ctx, repo.Owner, repo.Name, sha, true)
	if err != nil {
		return nil, fail(err, "list the files of %s at %s", repo, sha)
	}
	s := &Snapshot{ctx: ctx, client: c, api: api, repo: repo, files: map[string]treeFile{}, truncated: tree.GetTruncated()}
	for _, e := range tree.Entries {
		if e.GetType() == "blob" && fileModes[e.GetMode()] {
			s.files[e.GetPath()] = treeFile{sha: e.GetSHA(), size: e.GetSize()}
			s.paths = append(s.paths, e.GetPath())
		}
	}
	sort.Strings(s.paths)
	return s, nil
}

// Paths lists the commit's regular files, sorted.
func (s *Snapshot) Paths() []string { return s.paths }

// Truncated reports that GitHub listed only part of the tree.
func (s *Snapshot) Truncated() bool { return s.truncated }

// Err is the first read that failed for a reason other than the file being
// absent or too large: a review built on this snapshot is incomplete and
// must be retried rather than published.
func (s *Snapshot) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// ReadFile returns a file's content, fetching it unless cached;
// fs.ErrNotExist for no such file, compose.ErrTooLarge (without fetching)
// for one over compose.MaxFileSize.
func (s *Snapshot) ReadFile(p string) ([]byte, error) {
	f, ok := s.files[p]
	switch {
	case !ok && s.truncated:
		return nil, &fs.PathError{Op: "read", Path: p, Err: ErrTreeTruncated}
	case !ok:
		return nil, &fs.PathError{Op: "read", Path: p, Err: fs.ErrNotExist}
	case f.size > compose.MaxFileSize:
		return nil, &fs.PathError{Op: "read", Path: p, Err: compose.ErrTooLarge}
	}
	b, err := s.client.blob(s.ctx, s.api, s.repo, f.sha)
	if err != nil {
		err = fmt.Errorf("read %s: %w", p, err)
		s.mu.Lock()
		if s.err == nil {
			s.err = err
		}
		s.mu.Unlock()
		return nil, err
	}
	// A copy: the cached bytes are shared with other snapshots.
	return bytes.Clone(b), nil
}

// blob returns a blob's content from the cache or from GitHub, fetching a
// blob wanted by several readers at once only once.
func (c *Client) blob(ctx context.Context, api *gh.Client, repo forge.Repo, sha string) ([]byte, error) {
	key := repo.String() + "@" + sha
	if b, ok := c.blobs.get(key); ok {
		return b, nil
	}
	v, err, _ := c.fetching.Do(key, func() (any, error) {
		if b, ok := c.blobs.get(key); ok {
			return b, nil
		}
		b, _, err := api.Git.GetBlobRaw(ctx, repo.Owner, repo.Name, sha)
		if err != nil {
			return nil, fail(err, "fetch blob %s of %s", sha, repo)
		}
		c.blobs.put(key, b)
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}
