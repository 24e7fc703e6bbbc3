package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"path"
	"sort"
	"strings"
)

// defaultTreeLimit is the most entries GitHub lists in one recursive tree
// before it sets "truncated" (https://docs.github.com/en/rest/git/trees#get-a-tree).
const defaultTreeLimit = 100_000

// SetTreeLimit makes trees with more than n entries come back truncated.
func (f *Fake) SetTreeLimit(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.treeLimit = n
}

type treeJSON struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
	Size *int   `json:"size,omitempty"`
}

// getTree lists a commit's tree, with every folder as a "tree" entry; only
// the top level unless recursive is set (to anything).
func getTree(c *call) {
	cm := c.repo.commits[c.r.PathValue("tree_sha")]
	if cm == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	recursive := c.r.URL.Query().Get("recursive") != ""
	var entries []treeJSON
	dirs := map[string]bool{}
	for p, e := range cm.entries {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
		size := &e.size
		if e.kind != "blob" {
			size = nil
		}
		entries = append(entries, treeJSON{Path: p, Mode: e.mode, Type: e.kind, SHA: e.sha, Size: size})
	}
	for d := range dirs {
		entries = append(entries, treeJSON{Path: d, Mode: "040000", Type: "tree", SHA: folderSHA(cm.sha, d)})
	}
	if !recursive {
		entries = topLevel(entries)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	truncated := len(entries) > c.f.treeLimit
	if truncated {
		entries = entries[:c.f.treeLimit]
	}
	c.json(http.StatusOK, map[string]any{"sha": cm.sha, "tree": entries, "truncated": truncated})
}

func topLevel(entries []treeJSON) []treeJSON {
	var top []treeJSON
	for _, e := range entries {
		if !strings.Contains(e.Path, "/") {
			top = append(top, e)
		}
	}
	return top
}

func folderSHA(commit, dir string) string {
	h := sha1.Sum([]byte("tree " + commit + " " + dir))
	return hex.EncodeToString(h[:])
}

// getBlob answers a blob as base64 JSON, or raw for the raw media type.
func getBlob(c *call) {
	sha := c.r.PathValue("file_sha")
	b, ok := c.repo.blobs[sha]
	if !ok {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	if strings.Contains(c.r.Header.Get("Accept"), ".raw") {
		c.w.Header().Set("Content-Type", "application/vnd.github.raw")
		_, _ = c.w.Write(b)
		return
	}
	c.json(http.StatusOK, map[string]any{"sha": sha, "size": len(b), "encoding": "base64",
		"content": base64.StdEncoding.EncodeToString(b)})
}
