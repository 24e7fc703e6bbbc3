package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// WebFlowLogin is the committer GitHub names on the commits it signs.
const WebFlowLogin = "web-flow"

// gitState is what a repository needs beyond fixed commits to take the
// bump flow's writes: branches, commit history, trees built through the
// API and pull request details. Commits seeded with Commit have no parent
// and are authored by octocat.
type gitState struct {
	defaultBranch string
	branches      map[string]string               // name → commit SHA
	history       map[string]*commitMeta          // by commit SHA
	trees         map[string]map[string]treeEntry // by tree SHA
	pulls         map[int]*pullMeta
	issues        map[int]*Issue // issues.go
}

type commitMeta struct {
	parents  []string
	message  string
	author   string // login
	verified bool
	tree     string
}

type pullMeta struct {
	body, user string
	labels     []string
	merged     bool
	created    time.Time
}

// state returns the repository's git state, made on first use.
func (r *Repo) state() *gitState {
	g := &r.git
	if g.branches == nil {
		g.defaultBranch = "main"
		g.branches, g.history = map[string]string{}, map[string]*commitMeta{}
		g.trees, g.pulls = map[string]map[string]treeEntry{}, map[int]*pullMeta{}
	}
	return g
}

// SetDefaultBranch names the default branch ("main" unless set).
func (r *Repo) SetDefaultBranch(name string) {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	r.state().defaultBranch = name
}

// Branch returns a branch's head commit, "" when there is no such branch.
func (r *Repo) Branch(name string) string {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.state().branches[name]
}

// CommitTo commits files (path → content, on top of the branch head's
// files) to a branch as author, the way a person pushes, and returns the
// commit's SHA. A missing branch is created from nothing. Open pull requests
// from the branch follow it.
func (r *Repo) CommitTo(branch, author string, files map[string]string) string {
	return r.CommitAs(branch, CommitInfo{Message: "Edit by " + author, Author: author, Files: files})
}

// CommitAs is CommitTo for a commit as GitHub lists it: its message, the login
// its author is linked to ("" for none) and whether GitHub verified its
// signature. The branch head is its parent, whatever c.Parents says.
func (r *Repo) CommitAs(branch string, c CommitInfo) string {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	g := r.state()
	entries := map[string]treeEntry{}
	var parents []string
	if head := g.branches[branch]; head != "" {
		maps.Copy(entries, r.commits[head].entries)
		parents = []string{head}
	}
	for p, content := range c.Files {
		sha := blobSHA(content)
		r.blobs[sha] = []byte(content)
		entries[p] = treeEntry{mode: ModeFile, kind: "blob", sha: sha, size: len(content)}
	}
	sha := r.addCommit(entries, &commitMeta{parents: parents, message: c.Message, author: c.Author, verified: c.Verified})
	r.moveBranch(branch, sha)
	return sha
}

// CommitInfo is a commit as the fake stored it.
type CommitInfo struct {
	Message  string
	Author   string // login
	Verified bool
	Parents  []string
	Files    map[string]string
}

// CommitInfo returns a commit's message, author, parents and files.
func (r *Repo) CommitInfo(sha string) CommitInfo {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	m := r.meta(sha)
	info := CommitInfo{Message: m.message, Author: m.author, Verified: m.verified, Parents: slices.Clone(m.parents), Files: map[string]string{}}
	if c := r.commits[sha]; c != nil {
		for p, e := range c.entries {
			info.Files[p] = string(r.blobs[e.sha])
		}
	}
	return info
}

// meta returns a commit's history entry; a seeded commit gets one.
func (r *Repo) meta(sha string) *commitMeta {
	g := r.state()
	if m := g.history[sha]; m != nil {
		return m
	}
	m := &commitMeta{author: "octocat"}
	if c := r.commits[sha]; c != nil {
		m.tree = r.storeTree(c.entries)
	}
	g.history[sha] = m
	return m
}

// addCommit records a commit and returns its SHA.
func (r *Repo) addCommit(entries map[string]treeEntry, m *commitMeta) string {
	g := r.state()
	m.tree = r.storeTree(entries)
	h := sha1.New()
	fmt.Fprintf(h, "commit %d of %s/%s\ntree %s\nparents %v\n%s", len(r.commits), r.owner, r.name, m.tree, m.parents, m.message)
	sha := hex.EncodeToString(h.Sum(nil))
	r.commits[sha] = &commit{sha: sha, entries: entries}
	g.history[sha] = m
	return sha
}

// storeTree records a tree and returns its SHA, a hash of its entries as in
// git.
func (r *Repo) storeTree(entries map[string]treeEntry) string {
	h := sha1.New()
	for _, p := range slices.Sorted(maps.Keys(entries)) {
		e := entries[p]
		fmt.Fprintf(h, "%s %s %s\n", e.mode, e.sha, p)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	r.state().trees[sha] = entries
	return sha
}

// moveBranch points a branch at sha; the open pull requests from it follow.
func (r *Repo) moveBranch(branch, sha string) {
	r.state().branches[branch] = sha
	for _, p := range r.pulls {
		if !p.Closed && p.HeadRef == branch {
			p.Head = sha
		}
	}
}

// ancestors returns sha and every commit it descends from.
func (r *Repo) ancestors(sha string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{sha}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[s] || r.commits[s] == nil {
			continue
		}
		seen[s] = true
		stack = append(stack, r.meta(s).parents...)
	}
	return seen
}

// commitJSON is a commit as the compare endpoint lists it.
func (r *Repo) commitJSON(sha string) map[string]any {
	m := r.meta(sha)
	var parents []map[string]string
	for _, p := range m.parents {
		parents = append(parents, map[string]string{"sha": p})
	}
	committer := map[string]any{"login": m.author, "type": "User"}
	reason := "unsigned"
	if m.verified {
		committer, reason = map[string]any{"login": WebFlowLogin, "type": "User"}, "valid"
	}
	author := map[string]any{"login": m.author, "type": "User"}
	if strings.HasSuffix(m.author, "[bot]") {
		author["type"] = "Bot"
	}
	return map[string]any{
		"sha": sha,
		"commit": map[string]any{
			"message":      m.message,
			"tree":         map[string]string{"sha": m.tree},
			"author":       map[string]string{"name": m.author},
			"verification": map[string]any{"verified": m.verified, "reason": reason},
		},
		"author":    author,
		"committer": committer,
		"parents":   parents,
	}
}

// getBranch answers a branch with its head commit and tree; go-github
// escapes the slashes of its name, which the pattern's {branch...} undoes.
func getBranch(c *call) {
	name := c.r.PathValue("branch")
	sha := c.repo.state().branches[name]
	if sha == "" {
		c.fail(http.StatusNotFound, "Branch not found")
		return
	}
	c.json(http.StatusOK, map[string]any{"name": name, "protected": false, "commit": c.repo.commitJSON(sha)})
}

// compare lists the commits head has and base lacks, oldest first, a page
// at a time; either side is a commit SHA or a branch.
func compare(c *call) {
	base, head, ok := strings.Cut(c.r.PathValue("basehead"), "...")
	resolve := func(s string) string {
		if sha := c.repo.state().branches[s]; sha != "" {
			return sha
		}
		return s
	}
	base, head = resolve(base), resolve(head)
	if !ok || c.repo.commits[base] == nil || c.repo.commits[head] == nil {
		c.fail(http.StatusNotFound, "Not Found")
		return
	}
	inBase, inHead := c.repo.ancestors(base), c.repo.ancestors(head)
	var ahead []string
	for sha := range inHead {
		if !inBase[sha] {
			ahead = append(ahead, sha)
		}
	}
	// Oldest first: a commit comes after every one of its ancestors.
	sort.Slice(ahead, func(i, j int) bool {
		if a, b := len(c.repo.ancestors(ahead[i])), len(c.repo.ancestors(ahead[j])); a != b {
			return a < b
		}
		return ahead[i] < ahead[j]
	})
	behind := 0
	for sha := range inBase {
		if !inHead[sha] {
			behind++
		}
	}
	status := map[[2]bool]string{{false, false}: "identical", {true, false}: "ahead", {false, true}: "behind", {true, true}: "diverged"}[[2]bool{len(ahead) > 0, behind > 0}]
	var commits []map[string]any
	for _, sha := range page(c, ahead) {
		commits = append(commits, c.repo.commitJSON(sha))
	}
	c.json(http.StatusOK, map[string]any{"status": status, "ahead_by": len(ahead), "behind_by": behind,
		"total_commits": len(ahead), "commits": commits})
}
