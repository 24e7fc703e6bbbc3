package gitlabtest

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DefaultAuthor writes the commits Commit stores, and pushes of tests that
// name nobody.
const DefaultAuthor = "octocat"

// CommitEmail is the email GitLab writes as author and committer of the
// commits user makes through the API (its commit email), and the one a
// person's push is made with here.
func CommitEmail(user string) string { return user + "@users.noreply.gitlab.example" }

// CommitInfo is a commit as GitLab lists it: names and emails, no account.
type CommitInfo struct {
	SHA            string
	Parents        []string
	Message        string
	AuthorName     string
	AuthorEmail    string
	CommitterName  string
	CommitterEmail string
	// Files are the commit's whole content (path → content).
	Files map[string]string
}

type commitMeta struct {
	CommitInfo
	seq     int64 // order of creation
	created time.Time
}

// addCommit stores a commit of files with its metadata and returns its SHA.
func (p *Project) addCommit(files map[string]string, info CommitInfo) string {
	seq := p.f.id()
	sha := commitSHA(seq, files)
	info.SHA, info.Files = sha, nil
	p.commits[sha] = maps.Clone(files)
	p.history[sha] = &commitMeta{CommitInfo: info, seq: seq, created: time.Now().UTC()}
	return sha
}

// Branch returns a branch's head commit, "" when there is no such branch.
func (p *Project) Branch(name string) string {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	return p.branches[name]
}

// SetDefaultBranch names the default branch ("main" unless set).
func (p *Project) SetDefaultBranch(name string) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.defaultBranch = name
}

// CommitTo commits files (path → content, on top of the branch head's
// files) to a branch as user, the way a person pushes, and returns the
// commit's SHA. A missing branch is created from nothing; open merge
// requests from the branch follow it.
func (p *Project) CommitTo(branch, user string, files map[string]string) string {
	return p.CommitAs(branch, CommitInfo{Message: "Edit by " + user, AuthorName: user, AuthorEmail: CommitEmail(user),
		CommitterName: user, CommitterEmail: CommitEmail(user), Files: files})
}

// CommitAs is CommitTo for a commit with the names, emails and message of
// c, whatever the pusher could write into it. The branch head is its
// parent, whatever c.Parents says.
func (p *Project) CommitAs(branch string, c CommitInfo) string {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	files := map[string]string{}
	c.Parents = nil
	if head := p.branches[branch]; head != "" {
		files = maps.Clone(p.commits[head])
		c.Parents = []string{head}
	}
	maps.Copy(files, c.Files)
	sha := p.addCommit(files, c)
	p.moveBranch(branch, sha)
	return sha
}

// CommitInfo returns a stored commit with its files.
func (p *Project) CommitInfo(sha string) CommitInfo {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	m := p.history[sha]
	if m == nil {
		return CommitInfo{}
	}
	info := m.CommitInfo
	info.Parents = slices.Clone(m.Parents)
	info.Files = maps.Clone(p.commits[sha])
	return info
}

// moveBranch points a branch at sha; the open merge requests from it
// follow.
func (p *Project) moveBranch(branch, sha string) {
	p.branches[branch] = sha
	for _, mr := range p.mrs {
		if mr.SourceBranch == branch && !mr.Closed {
			mr.Head = sha
		}
	}
}

// reachable is every commit reachable from sha, sha included.
func (p *Project) reachable(sha string) map[string]bool {
	seen := map[string]bool{}
	for stack := []string{sha}; len(stack) > 0; {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		if m := p.history[c]; m != nil {
			stack = append(stack, m.Parents...)
		}
	}
	return seen
}

// lastCommitFor is the newest commit from sha down its first parents that
// changed path (git log -1 --first-parent sha -- path); "" when sha lacks
// the path.
func (p *Project) lastCommitFor(sha, path string) string {
	content, ok := p.commits[sha][path]
	if !ok {
		return ""
	}
	for {
		m := p.history[sha]
		if m == nil || len(m.Parents) == 0 {
			return sha
		}
		if before, ok := p.commits[m.Parents[0]][path]; !ok || before != content {
			return sha
		}
		sha = m.Parents[0]
	}
}

// resolve is the commit a ref names: a branch, or a commit's SHA.
func (p *Project) resolve(ref string) (string, bool) {
	if sha, ok := p.branches[ref]; ok {
		return sha, true
	}
	_, ok := p.commits[ref]
	return ref, ok
}

func (p *Project) commitJSON(sha string) map[string]any {
	m := p.history[sha]
	title, _, _ := strings.Cut(m.Message, "\n")
	return map[string]any{"id": sha, "short_id": sha[:8], "title": title, "message": m.Message,
		"author_name": m.AuthorName, "author_email": m.AuthorEmail, "authored_date": m.created,
		"committer_name": m.CommitterName, "committer_email": m.CommitterEmail, "committed_date": m.created,
		"created_at": m.created, "parent_ids": m.Parents, "trailers": map[string]string{},
		"web_url": fmt.Sprintf("%s/-/commit/%s", p.webURL(), sha)}
}

func (p *Project) webURL() string { return p.f.URL + "/" + p.Path }

func getBranch(c *call) {
	name := c.r.PathValue("branch")
	sha, ok := c.project.branches[name]
	if !ok {
		c.fail(http.StatusNotFound, "404 Branch Not Found")
		return
	}
	c.json(http.StatusOK, map[string]any{"name": name, "merged": false, "protected": false,
		"default": name == c.project.defaultBranch, "developers_can_push": false, "developers_can_merge": false,
		"can_push": true, "web_url": c.project.webURL() + "/-/tree/" + name, "commit": c.project.commitJSON(sha)})
}

// listCommits lists the commits of ref_name, newest first: a branch or
// commit and its ancestors, or a range "from..to", the commits to has and
// from has not (git log from..to).
func listCommits(c *call) {
	ref := c.r.URL.Query().Get("ref_name")
	if ref == "" {
		ref = c.project.defaultBranch
	}
	from, to, isRange := strings.Cut(ref, "..")
	if !isRange {
		to, from = ref, ""
	}
	head, ok := c.project.resolve(to)
	if !ok {
		c.fail(http.StatusNotFound, "404 Reference Not Found")
		return
	}
	exclude := map[string]bool{}
	if from != "" {
		base, ok := c.project.resolve(from)
		if !ok {
			c.fail(http.StatusNotFound, "404 Reference Not Found")
			return
		}
		exclude = c.project.reachable(base)
	}
	var shas []string
	for sha := range c.project.reachable(head) {
		if !exclude[sha] {
			shas = append(shas, sha)
		}
	}
	slices.SortFunc(shas, func(a, b string) int { return int(c.project.history[b].seq - c.project.history[a].seq) })
	out := make([]map[string]any, 0, len(shas))
	for _, sha := range shas {
		out = append(out, c.project.commitJSON(sha))
	}
	c.json(http.StatusOK, page(c, out))
}

type actionJSON struct {
	Action       string  `json:"action"`
	FilePath     string  `json:"file_path"`
	PreviousPath string  `json:"previous_path"`
	Content      *string `json:"content"`
	Encoding     string  `json:"encoding"`
	LastCommitID string  `json:"last_commit_id"`
}

// createCommit follows Commits::CreateService and Files::MultiService: one
// commit of the actions on top of start_branch or start_sha (else the
// branch itself) written to branch, which must not exist yet unless it is
// the start or force is set; an update, move or delete whose last_commit_id
// saw another last commit of the file than the start branch has is refused,
// as are a create of an existing file and an update of a missing one.
func createCommit(c *call) {
	var body struct {
		Branch        string       `json:"branch"`
		CommitMessage string       `json:"commit_message"`
		StartBranch   string       `json:"start_branch"`
		StartSHA      string       `json:"start_sha"`
		Actions       []actionJSON `json:"actions"`
		Force         bool         `json:"force"`
		AuthorName    string       `json:"author_name"`
		AuthorEmail   string       `json:"author_email"`
	}
	if !c.decode(&body) {
		return
	}
	p := c.project
	switch {
	case body.Branch == "" || body.CommitMessage == "" || len(body.Actions) == 0:
		c.fail(http.StatusBadRequest, "400 Bad request - branch, commit_message and actions are required")
		return
	case body.StartBranch != "" && body.StartSHA != "":
		c.fail(http.StatusBadRequest, "start_branch, start_sha are mutually exclusive")
		return
	}
	start, startRef := p.branches[body.Branch], body.Branch
	switch {
	case body.StartSHA != "":
		if _, ok := p.commits[body.StartSHA]; !ok {
			c.fail(http.StatusBadRequest, "Invalid start SHA")
			return
		}
		start, startRef = body.StartSHA, body.StartSHA
	case body.StartBranch != "":
		sha, ok := p.branches[body.StartBranch]
		if !ok {
			c.fail(http.StatusBadRequest, "Invalid start branch name")
			return
		}
		start, startRef = sha, body.StartBranch
	case start == "":
		c.fail(http.StatusBadRequest, "You can only create or edit files when you are on a branch")
		return
	}
	if _, exists := p.branches[body.Branch]; exists && startRef != body.Branch && !body.Force {
		c.fail(http.StatusBadRequest, fmt.Sprintf("A branch called '%s' already exists. Switch to that branch in order to make changes", body.Branch))
		return
	}
	files := maps.Clone(p.commits[start])
	for _, a := range body.Actions {
		if msg := p.apply(files, start, a); msg != "" {
			c.fail(http.StatusBadRequest, msg)
			return
		}
	}
	info := CommitInfo{Message: body.CommitMessage, AuthorName: c.user, AuthorEmail: CommitEmail(c.user),
		CommitterName: c.user, CommitterEmail: CommitEmail(c.user), Parents: []string{start}}
	if body.AuthorName != "" || body.AuthorEmail != "" {
		info.AuthorName, info.AuthorEmail = body.AuthorName, body.AuthorEmail
	}
	sha := p.addCommit(files, info)
	p.moveBranch(body.Branch, sha)
	c.json(http.StatusCreated, p.commitJSON(sha))
}

// apply makes one action on files, the start commit's; the message of
// GitLab's 400 when it is refused.
func (p *Project) apply(files map[string]string, start string, a actionJSON) string {
	if a.FilePath == "" || strings.Contains("/"+a.FilePath+"/", "/../") {
		return "400 Bad request - file_path is invalid"
	}
	content := ""
	if a.Content != nil {
		content = *a.Content
	}
	if a.Encoding == "base64" {
		b, err := base64.StdEncoding.DecodeString(content)
		if err != nil {
			return "400 Bad request - content is not base64"
		}
		content = string(b)
	}
	_, exists := files[a.FilePath]
	switch a.Action {
	case "create":
		if exists {
			return "A file with this name already exists"
		}
	case "update", "delete":
		if !exists {
			return "A file with this name doesn't exist"
		}
		// Files::BaseService#file_has_changed?: the file's last commit on
		// the start differs from its last commit as of last_commit_id.
		if a.LastCommitID != "" {
			onStart, seen := p.lastCommitFor(start, a.FilePath), p.lastCommitFor(a.LastCommitID, a.FilePath)
			if onStart != "" && seen != "" && onStart != seen {
				return "The file has changed since you started editing it: " + a.FilePath
			}
		}
	default:
		return fmt.Sprintf("400 Bad request - the fake does not implement the action %q", a.Action)
	}
	if a.Action == "delete" {
		delete(files, a.FilePath)
	} else {
		files[a.FilePath] = content
	}
	return ""
}
