package gitlabtest

import (
	"fmt"
	"maps"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

func (f *Fake) routes() *http.ServeMux {
	m := http.NewServeMux()
	for pattern, h := range map[string]func(*call){
		"GET /user":     getUser,
		"GET /projects": listProjects,
		"GET /projects/{id}/repository/branches/{branch}":                         getBranch,
		"GET /projects/{id}/repository/commits":                                   listCommits,
		"POST /projects/{id}/repository/commits":                                  createCommit,
		"GET /projects/{id}/merge_requests":                                       listMergeRequests,
		"POST /projects/{id}/merge_requests":                                      createMergeRequest,
		"PUT /projects/{id}/merge_requests/{iid}":                                 updateMergeRequest,
		"GET /projects/{id}/merge_requests/{iid}":                                 getMergeRequest,
		"GET /projects/{id}/merge_requests/{iid}/diffs":                           listDiffs,
		"GET /projects/{id}/repository/commits/{sha}/merge_requests":              listMergeRequestsAt,
		"GET /projects/{id}/repository/tree":                                      listTree,
		"GET /projects/{id}/repository/blobs/{sha}/raw":                           rawBlob,
		"POST /projects/{id}/statuses/{sha}":                                      setStatus,
		"GET /projects/{id}/repository/commits/{sha}/statuses":                    listStatuses,
		"GET /projects/{id}/merge_requests/{iid}/discussions":                     listDiscussions,
		"POST /projects/{id}/merge_requests/{iid}/discussions":                    createDiscussion,
		"PUT /projects/{id}/merge_requests/{iid}/discussions/{discussion}":        resolveDiscussion,
		"POST /projects/{id}/merge_requests/{iid}/discussions/{discussion}/notes": addDiscussionNote,
		"GET /projects/{id}/merge_requests/{iid}/notes":                           listNotes,
		"POST /projects/{id}/merge_requests/{iid}/notes":                          createNote,
		"PUT /projects/{id}/merge_requests/{iid}/notes/{note}":                    updateNote,
		"GET /projects/{id}/issues":                                               listIssues,
		"POST /projects/{id}/issues":                                              createIssue,
		"PUT /projects/{id}/issues/{iid}":                                         updateIssue,
		"GET /projects/{id}/issues/{iid}":                                         getIssue,
	} {
		method, route, _ := strings.Cut(pattern, " ")
		m.HandleFunc(method+" "+apiPrefix+route, f.handler(h))
	}
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
	return m
}

func getUser(c *call) {
	c.json(http.StatusOK, map[string]any{"id": 1, "username": c.user, "name": c.user, "state": "active", "bot": true,
		"email": c.user + "@example.com", "commit_email": CommitEmail(c.user)})
}

func getMergeRequest(c *call) {
	if mr, ok := c.mergeRequest(); ok {
		c.json(http.StatusOK, c.project.mrJSON(mr))
	}
}

// listMergeRequestsAt lists the merge requests whose head is the commit.
func listMergeRequestsAt(c *call) {
	var out []map[string]any
	for _, iid := range slices.Sorted(maps.Keys(c.project.mrs)) {
		if mr := c.project.mrs[iid]; mr.Head == c.r.PathValue("sha") {
			out = append(out, c.project.mrJSON(mr))
		}
	}
	c.json(http.StatusOK, page(c, out))
}

func listDiffs(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	var out []map[string]any
	for _, cf := range c.project.changes(mr) {
		out = append(out, map[string]any{"old_path": cf.oldPath, "new_path": cf.newPath, "diff": cf.diff.Patch + "\n",
			"new_file": cf.added, "deleted_file": cf.deleted, "renamed_file": cf.moved,
			"a_mode": "100644", "b_mode": "100644"})
	}
	c.json(http.StatusOK, page(c, out))
}

// listTree lists a commit's files and folders, recursively when asked,
// with keyset pagination when asked (pagination=keyset, the next page's
// page_token in a Link header and no X-Next-Page).
func listTree(c *call) {
	q := c.r.URL.Query()
	files, ok := c.project.commits[q.Get("ref")]
	if !ok {
		c.fail(http.StatusNotFound, "404 Tree Not Found")
		return
	}
	if q.Get("recursive") != "true" {
		c.fail(http.StatusBadRequest, "the fake lists trees recursively only")
		return
	}
	type node struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Path string `json:"path"`
		Mode string `json:"mode"`
	}
	seen := map[string]bool{}
	var nodes []node
	for p, content := range files {
		for dir := path.Dir(p); dir != "." && !seen[dir]; dir = path.Dir(dir) {
			seen[dir] = true
			nodes = append(nodes, node{ID: blobID(dir), Name: path.Base(dir), Type: "tree", Path: dir, Mode: "040000"})
		}
		nodes = append(nodes, node{ID: blobID(content), Name: path.Base(p), Type: "blob", Path: p, Mode: "100644"})
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Path < nodes[j].Path })
	if q.Get("pagination") != "keyset" {
		c.json(http.StatusOK, page(c, nodes))
		return
	}
	per := perPage(q)
	start := 0
	if token := q.Get("page_token"); token != "" {
		start = sort.Search(len(nodes), func(i int) bool { return nodes[i].Path > token })
	}
	end := min(start+per, len(nodes))
	if end < len(nodes) {
		q.Set("page_token", nodes[end-1].Path)
		c.w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", c.link(q)))
	}
	c.json(http.StatusOK, nodes[start:end])
}

func rawBlob(c *call) {
	sha := c.r.PathValue("sha")
	for _, files := range c.project.commits {
		for _, content := range files {
			if blobID(content) == sha {
				c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				_, _ = c.w.Write([]byte(content))
				return
			}
		}
	}
	c.fail(http.StatusNotFound, "404 Blob Not Found")
}

// The commit status states; a new status job starts created.
var (
	// transitions are GitLab's commit status events: event → from → to
	// (app/models/commit_status.rb and its concern HasStatus).
	transitions = map[string]map[string]string{
		"enqueue": {"created": "pending", "skipped": "pending", "manual": "pending", "scheduled": "pending"},
		"run":     {"pending": "running"},
		"success": {"created": "success", "pending": "success", "running": "success"},
		"drop":    {"created": "failed", "pending": "failed", "running": "failed"},
		"cancel":  {"created": "canceled", "pending": "canceled", "running": "canceled"},
		"skip":    {"created": "skipped", "pending": "skipped"},
	}
	stateEvent = map[string]string{"pending": "enqueue", "running": "run", "success": "success", "failed": "drop", "canceled": "cancel", "skipped": "skip"}
)

// setStatus follows Ci::CreateCommitStatusService: the pending or running
// status of the same name, commit and user is updated, else a new one is
// created; a transition the state machine has not is refused with 400.
func setStatus(c *call) {
	var body struct {
		State       string `json:"state"`
		Name        string `json:"name"`
		Context     string `json:"context"`
		Description string `json:"description"`
		TargetURL   string `json:"target_url"`
	}
	if !c.decode(&body) {
		return
	}
	sha := c.r.PathValue("sha")
	if _, ok := c.project.commits[sha]; !ok {
		c.fail(http.StatusNotFound, "404 References for commit Not Found")
		return
	}
	event, ok := stateEvent[body.State]
	if !ok {
		c.fail(http.StatusBadRequest, "400 Bad request - state does not have a valid value")
		return
	}
	name := body.Name
	if name == "" {
		name = body.Context
	}
	if name == "" {
		name = "default"
	}
	if utf8.RuneCountInString(body.Description) > 255 || utf8.RuneCountInString(body.TargetURL) > 255 {
		c.fail(http.StatusBadRequest, "400 Bad request - description or target_url is too long (maximum is 255 characters)")
		return
	}
	var s *Status
	for _, old := range c.project.statuses {
		if old.SHA == sha && old.Name == name && old.Author == c.user && (old.State == "pending" || old.State == "running") {
			s = old
		}
	}
	fresh := s == nil
	if fresh {
		s = &Status{ID: c.f.id(), SHA: sha, Name: name, Author: c.user, State: "created"}
	}
	if body.State == "running" && s.State != "running" {
		// The service enqueues first, quietly, then runs.
		if to, ok := transitions["enqueue"][s.State]; ok {
			s.State = to
		}
	}
	to, ok := transitions[event][s.State]
	if !ok {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Cannot transition status via :%s from :%s (Reason(s): Status cannot transition via \"%s\")", event, s.State, event))
		return
	}
	s.State, s.Description, s.TargetURL = to, body.Description, body.TargetURL
	s.History = append(s.History, to)
	if fresh {
		c.project.statuses = append(c.project.statuses, s)
	}
	c.json(http.StatusCreated, statusJSON(s))
}

func statusJSON(s *Status) map[string]any {
	return map[string]any{"id": s.ID, "sha": s.SHA, "ref": "main", "status": s.State, "name": s.Name,
		"description": s.Description, "target_url": s.TargetURL, "allow_failure": false,
		"author": map[string]any{"username": s.Author}, "created_at": time.Now().UTC()}
}

func listStatuses(c *call) {
	sha, q := c.r.PathValue("sha"), c.r.URL.Query()
	var out []map[string]any
	for _, s := range slices.Backward(c.project.statuses) {
		if s.SHA == sha && (q.Get("name") == "" || q.Get("name") == s.Name) {
			out = append(out, statusJSON(s))
		}
	}
	c.json(http.StatusOK, page(c, out))
}
