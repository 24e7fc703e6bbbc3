package github

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/forge/forgekit"
	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

func TestSnapshotsShareUnchangedFiles(t *testing.T) {
	e := newEnv(t)
	base := map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx\n",
		"compose.override.yaml": "services: {}\n",
		".env":                  "TAG=1\n",
		"copy/.env":             "TAG=1\n", // same content, same blob
	}
	head := map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n",
		"compose.override.yaml": "services: {}\n",
		".env":                  "TAG=1\n",
		"copy/.env":             "TAG=1\n",
		"stacks/db.yaml":        "services:\n  db:\n    image: postgres\n",
	}
	p := e.pull(base, head)

	for _, commit := range []struct {
		sha   string
		files map[string]string
	}{{p.Base, base}, {p.Head, head}} {
		snap, err := e.client.Snapshot(t.Context(), e.target, commit.sha)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for path := range commit.files {
			want = append(want, path)
		}
		slices.Sort(want)
		if !slices.Equal(snap.Paths(), want) {
			t.Errorf("Paths() = %v, want %v", snap.Paths(), want)
		}
		for range 2 {
			for path, content := range commit.files {
				if b, err := snap.ReadFile(path); err != nil || string(b) != content {
					t.Errorf("ReadFile(%s) = %q, %v; want %q", path, b, err, content)
				}
			}
		}
	}
	// Distinct contents: two compose.yaml, the override, .env, db.yaml.
	calls := e.client.Calls().Content
	if calls[opGetTree] != 2 || calls[opGetBlob] != 5 {
		t.Errorf("content calls = %v, want 2 trees and 5 blobs", calls)
	}
	if e.fake.Count(opGetBlob) != 5 {
		t.Errorf("the fake saw %d blob requests, want 5", e.fake.Count(opGetBlob))
	}
}

func TestSnapshotHoldsRegularFilesOnly(t *testing.T) {
	e := newEnv(t)
	huge := strings.Repeat("x", compose.MaxFileSize+1)
	sha := e.repo.CommitEntries(map[string]githubtest.Entry{
		"compose.yaml":   {Content: "services: {}\n"},
		"run.sh":         {Mode: githubtest.ModeExecutable, Content: "#!/bin/sh\n"},
		"link.yaml":      {Mode: githubtest.ModeSymlink, Content: "/etc/passwd"},
		"vendor/lib":     {Mode: githubtest.ModeSubmodule, Commit: strings.Repeat("ab", 20)},
		"dump/huge.yaml": {Content: huge},
	})
	snap, err := e.client.Snapshot(t.Context(), e.target, sha)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"compose.yaml", "dump/huge.yaml", "run.sh"}; !slices.Equal(snap.Paths(), want) {
		t.Errorf("Paths() = %v, want %v", snap.Paths(), want)
	}
	for path, want := range map[string]error{"link.yaml": fs.ErrNotExist, "vendor/lib": fs.ErrNotExist,
		"missing.yaml": fs.ErrNotExist, "dump/huge.yaml": compose.ErrTooLarge} {
		if _, err := snap.ReadFile(path); !errors.Is(err, want) {
			t.Errorf("ReadFile(%s) = %v, want %v", path, err, want)
		}
	}
	if n := e.fake.Count(opGetBlob); n != 0 {
		t.Errorf("%d blobs fetched, want none", n)
	}
	if snap.(*forgekit.Snapshot).Err() != nil {
		t.Errorf("Err() = %v after expected refusals", snap.(*forgekit.Snapshot).Err())
	}
}

func TestTruncatedTreeSaysSo(t *testing.T) {
	e := newEnv(t)
	e.fake.SetTreeLimit(2)
	sha := e.repo.Commit(map[string]string{"a.yaml": "a", "b.yaml": "b", "c.yaml": "c"})
	snap, err := e.client.Snapshot(t.Context(), e.target, sha)
	if err != nil {
		t.Fatal(err)
	}
	if !snap.(*forgekit.Snapshot).Truncated() {
		t.Error("Truncated() = false")
	}
	if _, err := snap.ReadFile("c.yaml"); !errors.Is(err, forgekit.ErrTreeTruncated) {
		t.Errorf("ReadFile of an unlisted file = %v, want forgekit.ErrTreeTruncated", err)
	}
}

func TestFailedReadIsRemembered(t *testing.T) {
	e := newEnv(t)
	sha := e.repo.Commit(map[string]string{"compose.yaml": "services: {}\n"})
	snap, err := e.client.Snapshot(t.Context(), e.target, sha)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.Fail("GET", "/git/blobs/", 1, githubtest.ServerError())
	_, err = snap.ReadFile("compose.yaml")
	var retry *forge.RetryableError
	if !errors.As(err, &retry) {
		t.Fatalf("ReadFile = %v, want a RetryableError", err)
	}
	if !errors.As(snap.(*forgekit.Snapshot).Err(), &retry) {
		t.Errorf("Err() = %v, want the failed read", snap.(*forgekit.Snapshot).Err())
	}
	if b, err := snap.ReadFile("compose.yaml"); err != nil || len(b) == 0 {
		t.Errorf("second ReadFile = %q, %v", b, err)
	}
}

func TestBlobCacheStaysWithinItsSize(t *testing.T) {
	e := newEnv(t)
	e.client, _ = e.appClient(t, Options{BlobCacheBytes: 10})
	sha := e.repo.Commit(map[string]string{"a": "123456", "b": "abcdef"})
	snap, err := e.client.Snapshot(t.Context(), e.target, sha)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "b", "a", "a"} {
		if _, err := snap.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	// b pushed a out (12 bytes > 10); a's return is fetched again, then kept.
	if n := e.fake.Count(opGetBlob); n != 3 {
		t.Errorf("%d blob fetches, want 3", n)
	}
}

func TestConcurrentReadsFetchEachBlobOnce(t *testing.T) {
	e := newEnv(t)
	e.fake.SetLatency(20 * time.Millisecond)
	sha := e.repo.Commit(map[string]string{"compose.yaml": "services: {}\n", ".env": "A=1\n"})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			snap, err := e.client.Snapshot(t.Context(), e.target, sha)
			if err != nil {
				t.Error(err)
				return
			}
			for _, p := range snap.Paths() {
				if _, err := snap.ReadFile(p); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := e.fake.Count(opGetBlob); n != 2 {
		t.Errorf("%d blob fetches for 2 blobs read by 8 reviews at once", n)
	}
	if n := e.fake.TokensIssued(testInstallation); n != 1 {
		t.Errorf("%d installation tokens for concurrent requests, want 1", n)
	}
}

// TestCancelledSnapshotReadsNothing: once the review's context is done a
// read fails with its error and asks GitHub nothing, cached or not; the
// listing's blobs tell unchanged files from changed ones.
func TestCancelledSnapshotReadsNothing(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"compose.yaml": "services: {}\n", ".env": "A=1\n"}, map[string]string{"compose.yaml": "services: {}\n", ".env": "A=2\n"})
	base, err := e.client.Snapshot(t.Context(), e.target, p.Base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	head, err := e.client.Snapshot(ctx, e.target, p.Head)
	if err != nil {
		t.Fatal(err)
	}
	if base.Blob("compose.yaml") != head.Blob("compose.yaml") || base.Blob(".env") == head.Blob(".env") || head.Blob("nope") != "" {
		t.Errorf("blobs: compose.yaml %s/%s, .env %s/%s", base.Blob("compose.yaml"), head.Blob("compose.yaml"), base.Blob(".env"), head.Blob(".env"))
	}
	if _, err := base.ReadFile("compose.yaml"); err != nil {
		t.Fatal(err)
	}
	cancel()
	before := e.client.Calls().Content[opGetBlob]
	for _, path := range []string{"compose.yaml", ".env"} { // cached, and not
		if _, err := head.ReadFile(path); !errors.Is(err, context.Canceled) {
			t.Errorf("ReadFile(%s) after cancel = %v", path, err)
		}
	}
	if n := e.client.Calls().Content[opGetBlob] - before; n != 0 {
		t.Errorf("%d blobs fetched after the context was cancelled", n)
	}
}
