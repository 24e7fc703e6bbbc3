package forgekit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/composeguard/composeguard/app/compose"
)

// ErrTreeTruncated is returned when reading a path the commit's listing
// left out: the forge listed only part of the tree.
var ErrTreeTruncated = errors.New("the repository's file listing was truncated by the forge")

// File is a regular file of a commit's listing.
type File struct {
	Blob string // the git blob id, which names the content
	// Size in bytes; 0 when the listing gives none (GitLab's), and the
	// fetch bounds the read instead.
	Size int
}

// Blobs keeps file contents by key (a repository and a blob id) within a
// total size, and fetches a blob wanted by several readers at once only
// once. A blob id names its content, so base and head share every file a
// change leaves alone.
type Blobs struct {
	cache    *lru[[]byte]
	fetching singleflight.Group
}

// NewBlobs keeps at most limit bytes.
func NewBlobs(limit int64) *Blobs { return &Blobs{cache: newLRU[[]byte](limit)} }

// Get returns the content of key from the cache, or from fetch.
func (b *Blobs) Get(key string, fetch func() ([]byte, error)) ([]byte, error) {
	if data, ok := b.cache.get(key); ok {
		return data, nil
	}
	v, err, _ := b.fetching.Do(key, func() (any, error) {
		if data, ok := b.cache.get(key); ok {
			return data, nil
		}
		data, err := fetch()
		if err != nil {
			return nil, err
		}
		b.cache.put(key, data, int64(len(data)))
		return data, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// Snapshot is a commit's files as one listing names them; each file is
// read on first use with read, given the file's blob id, while ctx lasts.
type Snapshot struct {
	ctx       context.Context
	files     map[string]File
	paths     []string
	truncated bool
	read      func(blob string) ([]byte, error)

	mu  sync.Mutex
	err error
}

// NewSnapshot is the snapshot of files, read while ctx lasts; truncated
// says the forge listed only part of the tree.
func NewSnapshot(ctx context.Context, files map[string]File, truncated bool, read func(blob string) ([]byte, error)) *Snapshot {
	s := &Snapshot{ctx: ctx, files: files, truncated: truncated, read: read}
	for p := range files {
		s.paths = append(s.paths, p)
	}
	sort.Strings(s.paths)
	return s
}

// Paths lists the commit's regular files, sorted.
func (s *Snapshot) Paths() []string { return s.paths }

// Blob is the blob id of path, "" for none.
func (s *Snapshot) Blob(p string) string { return s.files[p].Blob }

// Truncated reports that the forge listed only part of the tree.
func (s *Snapshot) Truncated() bool { return s.truncated }

// Err is the first read that failed for a reason other than the file being
// absent or too large: a review built on this snapshot is incomplete and
// must be retried rather than published.
func (s *Snapshot) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// ReadFile returns a file's content; fs.ErrNotExist for no such file,
// compose.ErrTooLarge for one over compose.MaxFileSize (unread when the
// listing gave its size).
func (s *Snapshot) ReadFile(p string) ([]byte, error) {
	f, ok := s.files[p]
	switch {
	case !ok && s.truncated:
		return nil, &fs.PathError{Op: "read", Path: p, Err: ErrTreeTruncated}
	case !ok:
		return nil, &fs.PathError{Op: "read", Path: p, Err: fs.ErrNotExist}
	case f.Size > compose.MaxFileSize:
		return nil, &fs.PathError{Op: "read", Path: p, Err: compose.ErrTooLarge}
	}
	// A review cancelled or out of time reads nothing more, cached or not.
	err := s.ctx.Err()
	var b []byte
	if err == nil {
		b, err = s.read(f.Blob)
	}
	if errors.Is(err, compose.ErrTooLarge) {
		return nil, &fs.PathError{Op: "read", Path: p, Err: compose.ErrTooLarge}
	}
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
