package githubtest

import (
	"encoding/base64"
	"maps"
	"net/http"
	"strings"
)

// createBlob stores content sent as utf-8 or base64.
func createBlob(c *call) {
	var body struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	if !c.decode(&body) {
		return
	}
	if body.Content == nil {
		c.invalid("Blob", "content", "content is missing")
		return
	}
	content := []byte(*body.Content)
	if body.Encoding == "base64" {
		var err error
		if content, err = base64.StdEncoding.DecodeString(*body.Content); err != nil {
			c.invalid("Blob", "content", "content is not valid base64")
			return
		}
	}
	sha := blobSHA(string(content))
	c.repo.blobs[sha] = content
	c.json(http.StatusCreated, map[string]string{"sha": sha})
}

// createTree builds a tree from base_tree and entries given by inline
// content, by blob SHA, or with neither to delete the path.
func createTree(c *call) {
	var body struct {
		BaseTree string `json:"base_tree"`
		Tree     []struct {
			Path    string  `json:"path"`
			Mode    string  `json:"mode"`
			Type    string  `json:"type"`
			SHA     *string `json:"sha"`
			Content *string `json:"content"`
		} `json:"tree"`
	}
	if !c.decode(&body) {
		return
	}
	g := c.repo.state()
	entries := map[string]treeEntry{}
	if body.BaseTree != "" {
		base, ok := g.trees[body.BaseTree]
		if !ok {
			c.invalid("Tree", "base_tree", "base_tree is not a tree SHA")
			return
		}
		maps.Copy(entries, base)
	}
	for _, e := range body.Tree {
		switch {
		case e.Content != nil:
			sha := blobSHA(*e.Content)
			c.repo.blobs[sha] = []byte(*e.Content)
			entries[e.Path] = treeEntry{mode: e.Mode, kind: "blob", sha: sha, size: len(*e.Content)}
		case e.SHA != nil:
			b, ok := c.repo.blobs[*e.SHA]
			if !ok {
				c.invalid("Tree", "sha", "tree.sha "+*e.SHA+" is not a blob")
				return
			}
			entries[e.Path] = treeEntry{mode: e.Mode, kind: "blob", sha: *e.SHA, size: len(b)}
		default:
			delete(entries, e.Path)
		}
	}
	c.json(http.StatusCreated, map[string]any{"sha": c.repo.storeTree(entries), "truncated": false})
}

// createCommit records a commit of a tree on its parents. With no author,
// committer or signature, GitHub attributes it to the caller and signs it.
func createCommit(c *call) {
	var body struct {
		Message   string          `json:"message"`
		Tree      string          `json:"tree"`
		Parents   []string        `json:"parents"`
		Author    *map[string]any `json:"author"`
		Committer *map[string]any `json:"committer"`
		Signature *string         `json:"signature"`
	}
	if !c.decode(&body) {
		return
	}
	entries, ok := c.repo.state().trees[body.Tree]
	if !ok {
		c.invalid("Commit", "tree", "Tree SHA does not exist")
		return
	}
	for _, p := range body.Parents {
		if c.repo.commits[p] == nil {
			c.invalid("Commit", "parents", "Parent SHA does not exist or is not a commit object")
			return
		}
	}
	m := &commitMeta{parents: body.Parents, message: body.Message, author: c.user,
		verified: body.Author == nil && body.Committer == nil && body.Signature == nil}
	if body.Author != nil {
		m.author, _ = (*body.Author)["name"].(string)
	}
	sha := c.repo.addCommit(entries, m)
	listed := c.repo.commitJSON(sha)
	object := listed["commit"].(map[string]any)
	object["sha"], object["parents"] = sha, listed["parents"]
	c.json(http.StatusCreated, object)
}

// createRef creates refs/heads/<branch>.
func createRef(c *call) {
	var body struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if !c.decode(&body) {
		return
	}
	branch, ok := strings.CutPrefix(body.Ref, "refs/heads/")
	switch g := c.repo.state(); {
	case !ok || branch == "":
		c.invalid("Reference", "ref", "Reference name must start with 'refs/' and have at least two slashes")
	case g.branches[branch] != "":
		c.invalid("Reference", "ref", "Reference already exists")
	case c.repo.commits[body.SHA] == nil:
		c.invalid("Reference", "sha", "Object does not exist")
	default:
		c.repo.moveBranch(branch, body.SHA)
		c.json(http.StatusCreated, refJSON(body.Ref, body.SHA))
	}
}

// updateRef moves heads/<branch>, refusing to drop commits unless forced.
func updateRef(c *call) {
	var body struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if !c.decode(&body) {
		return
	}
	branch, ok := strings.CutPrefix(c.r.PathValue("ref"), "heads/")
	current := c.repo.state().branches[branch]
	switch {
	case !ok || current == "":
		c.invalid("Reference", "ref", "Reference does not exist")
	case c.repo.commits[body.SHA] == nil:
		c.invalid("Reference", "sha", "Object does not exist")
	case !body.Force && !c.repo.ancestors(body.SHA)[current]:
		c.invalid("Reference", "sha", "Update is not a fast forward")
	default:
		c.repo.moveBranch(branch, body.SHA)
		c.json(http.StatusOK, refJSON("refs/heads/"+branch, body.SHA))
	}
}

func refJSON(ref, sha string) map[string]any {
	return map[string]any{"ref": ref, "object": map[string]string{"type": "commit", "sha": sha}}
}
