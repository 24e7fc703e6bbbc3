package githubtest

import (
	"cmp"
	"net/http"
	"sort"
	"strings"

	"github.com/composeguard/composeguard/app/forge/forgetest"
)

const (
	// maxChangedFiles is the most files GitHub lists for a pull request
	// (https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files).
	maxChangedFiles = 3000
	// defaultPatchLimit stands in for the undocumented size above which
	// GitHub leaves a file's patch out of the list.
	defaultPatchLimit = 1 << 20
	forkOwner         = "contributor"
)

// SetPatchLimit leaves out the patch of files whose diff is over n bytes.
func (f *Fake) SetPatchLimit(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.patchLimit = n
}

func getPull(c *call) {
	p, ok := c.pull("pull_number")
	if !ok {
		return
	}
	c.json(http.StatusOK, c.repo.reviewedPullJSON(*p))
}

// PullJSON is p as GitHub's API gives a pull request, and its
// pull_request webhooks too (which add the time it was updated), its
// branches named as AddPull names them.
func (r *Repo) PullJSON(p Pull) map[string]any {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	p.BaseRef, p.HeadRef = cmp.Or(p.BaseRef, "main"), cmp.Or(p.HeadRef, "feature")
	return r.reviewedPullJSON(p)
}

func (r *Repo) reviewedPullJSON(p Pull) map[string]any {
	state := "open"
	if p.Closed {
		state = "closed"
	}
	head := r.json(r.id, r.owner)
	if p.Fork {
		head = r.json(r.id+1_000_000, forkOwner)
		head["fork"] = true
	}
	return map[string]any{
		"id": int64(p.Number) + r.id*10_000, "number": p.Number, "state": state, "title": p.Title, "draft": p.Draft,
		"changed_files": len(r.changedFiles(p.Base, p.Head)),
		"user":          map[string]string{"login": "octocat"},
		"head":          map[string]any{"sha": p.Head, "ref": p.HeadRef, "label": head["owner"].(map[string]string)["login"] + ":" + p.HeadRef, "repo": head},
		"base":          map[string]any{"sha": p.Base, "ref": p.BaseRef, "label": r.owner + ":" + p.BaseRef, "repo": r.json(r.id, r.owner)},
	}
}

func (r *Repo) json(id int64, owner string) map[string]any {
	return map[string]any{"id": id, "name": r.name, "full_name": owner + "/" + r.name,
		"owner": map[string]string{"login": owner}, "fork": false, "default_branch": r.state().defaultBranch}
}

type fileJSON struct {
	SHA              string  `json:"sha"`
	Filename         string  `json:"filename"`
	Status           string  `json:"status"`
	Additions        int     `json:"additions"`
	Deletions        int     `json:"deletions"`
	Changes          int     `json:"changes"`
	Patch            *string `json:"patch,omitempty"`
	PreviousFilename string  `json:"previous_filename,omitempty"`
}

func listFiles(c *call) {
	p, ok := c.pull("pull_number")
	if !ok {
		return
	}
	var out []fileJSON
	all := c.repo.changedFiles(p.Base, p.Head)
	for _, cf := range all[:min(len(all), maxChangedFiles)] {
		fj := fileJSON{SHA: cf.sha, Filename: cf.path, Status: cf.status, PreviousFilename: cf.previous,
			Additions: cf.diff.Additions, Deletions: cf.diff.Deletions, Changes: cf.diff.Additions + cf.diff.Deletions}
		if cf.diff.Patch != "" && len(cf.diff.Patch) <= c.f.patchLimit && !cf.binary {
			fj.Patch = &cf.diff.Patch
		}
		out = append(out, fj)
	}
	c.json(http.StatusOK, page(c, out))
}

type changedFile struct {
	path, previous, status, sha string
	binary                      bool
	diff                        forgetest.FileDiff
}

// changedFiles compares two commits file by file (submodules aside), with a
// removed and an added file of the same content paired as a rename: every
// file, of which the listing shows the first 3,000. It is cached: commits
// never change.
func (r *Repo) changedFiles(base, head string) []changedFile {
	key := [2]string{base, head}
	if cached, ok := r.diffs[key]; ok {
		return cached
	}
	b, h := r.commits[base], r.commits[head]
	if b == nil || h == nil {
		return nil
	}
	var out []changedFile
	removed := map[string]string{} // blob → removed path, for renames
	for p, e := range b.entries {
		if _, kept := h.entries[p]; !kept && e.kind == "blob" {
			removed[e.sha] = p
		}
	}
	for p, e := range h.entries {
		old, had := b.entries[p]
		switch {
		case e.kind != "blob" || had && old.sha == e.sha:
		case had:
			out = append(out, r.changed(p, "modified", old.sha, e.sha))
		case removed[e.sha] != "":
			cf := r.changed(p, "renamed", e.sha, e.sha)
			cf.previous = removed[e.sha]
			delete(removed, e.sha)
			out = append(out, cf)
		default:
			out = append(out, r.changed(p, "added", "", e.sha))
		}
	}
	for sha, p := range removed {
		out = append(out, r.changed(p, "removed", sha, ""))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	if r.diffs == nil {
		r.diffs = map[[2]string][]changedFile{}
	}
	r.diffs[key] = out
	return out
}

func (r *Repo) changed(p, status, oldSHA, newSHA string) changedFile {
	before, after := string(r.blobs[oldSHA]), string(r.blobs[newSHA])
	sha := newSHA
	if sha == "" {
		sha = oldSHA
	}
	return changedFile{path: p, status: status, sha: sha, diff: forgetest.Diff(before, after),
		binary: strings.ContainsRune(before+after, 0)}
}
