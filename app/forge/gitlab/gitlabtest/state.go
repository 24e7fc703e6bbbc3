package gitlabtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/composeguard/composeguard/app/forge/forgetest"
)

// Project is a GitLab project with its commits and merge requests.
type Project struct {
	ID   int64
	Path string // group/name

	f             *Fake
	commits       map[string]map[string]string // sha → path → content
	history       map[string]*commitMeta       // by sha
	branches      map[string]string            // name → sha
	defaultBranch string
	archived      bool
	access        map[string]int // username → access level, when not Maintainer (40)
	labels        []string
	mrs           map[int64]*MergeRequest
	statuses      []*Status
	notes         map[int64][]*discussion // by merge request iid
	issues        map[int64]*Issue        // by iid (issues.go)
}

// AddProject adds the project path (group/name, the group may nest).
func (f *Fake) AddProject(path string) *Project {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &Project{ID: f.id(), Path: path, f: f, commits: map[string]map[string]string{},
		history: map[string]*commitMeta{}, branches: map[string]string{}, defaultBranch: "main",
		access: map[string]int{}, mrs: map[int64]*MergeRequest{}, notes: map[int64][]*discussion{}}
	f.projects = append(f.projects, p)
	return p
}

// Commit stores a commit holding files, on no branch and with no parent,
// by DefaultAuthor, and returns its SHA.
func (p *Project) Commit(files map[string]string) string {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	return p.addCommit(files, CommitInfo{Message: "Initial commit", AuthorName: DefaultAuthor, AuthorEmail: CommitEmail(DefaultAuthor),
		CommitterName: DefaultAuthor, CommitterEmail: CommitEmail(DefaultAuthor)})
}

// commitSHA is a unique SHA for the seq-th object holding files.
func commitSHA(seq int64, files map[string]string) string {
	h := sha1.New()
	fmt.Fprintf(h, "%d", seq)
	for _, path := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\x00%s\x00", path, files[path])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// MergeRequest is a merge request from Head into the branch at Base.
type MergeRequest struct {
	IID        int64
	Title      string
	Base, Head string
	Draft      bool
	// Fork: the source branch is another project's.
	Fork   bool
	Closed bool
	// Merged: closed by merging.
	Merged bool
	// SourceBranch, when set, is the branch Head follows while open;
	// "change" otherwise. TargetBranch is "main" unless set.
	SourceBranch, TargetBranch string
	Description                string
	// Author opened it; DefaultAuthor unless set.
	Author             string
	Labels             []string
	RemoveSourceBranch bool
	Created            time.Time
}

// AddMergeRequest opens mr.
func (p *Project) AddMergeRequest(mr MergeRequest) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.mrs[mr.IID] = &mr
}

// Push moves a merge request's head to sha.
func (p *Project) Push(iid int64, sha string) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.mrs[iid].Head = sha
}

// Status is one commit status job, as GitLab keeps it.
type Status struct {
	ID                     int64
	SHA, Name, Author      string
	State                  string
	Description, TargetURL string
	// History is every state it was in, in order.
	History []string
}

// Statuses returns every status job, in order of creation.
func (p *Project) Statuses() []Status {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	var out []Status
	for _, s := range p.statuses {
		c := *s
		c.History = slices.Clone(s.History)
		out = append(out, c)
	}
	return out
}

// Note is a note of a merge request.
type Note struct {
	ID     int64
	Author string
	Body   string
	// Path and Line place a diff note on the new side; empty otherwise.
	Path string
	Line int
}

// Discussion is a thread of notes; a plain note is a discussion of one.
type Discussion struct {
	ID       string
	Notes    []Note
	Resolved bool
	// Edits counts the edits of its notes.
	Edits int
}

type discussion struct {
	id         string
	individual bool
	notes      []*note
	resolved   bool
	edits      int
}

type note struct {
	Note
	position *positionJSON
}

// Discussions returns the merge request's diff discussions, in order.
func (p *Project) Discussions(iid int64) []Discussion { return p.threads(iid, false) }

// Notes returns the merge request's notes outside diff discussions.
func (p *Project) Notes(iid int64) []Discussion { return p.threads(iid, true) }

func (p *Project) threads(iid int64, individual bool) []Discussion {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	var out []Discussion
	for _, d := range p.notes[iid] {
		if d.individual != individual {
			continue
		}
		c := Discussion{ID: d.id, Resolved: d.resolved, Edits: d.edits}
		for _, n := range d.notes {
			c.Notes = append(c.Notes, n.Note)
		}
		out = append(out, c)
	}
	return out
}

// AddNote writes a note on the merge request as user.
func (p *Project) AddNote(iid int64, user, body string) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.addDiscussion(iid, true, &note{Note: Note{Author: user, Body: body}})
}

func (p *Project) addDiscussion(iid int64, individual bool, n *note) *discussion {
	n.ID = p.f.id()
	d := &discussion{id: fmt.Sprintf("%040x", n.ID), individual: individual, notes: []*note{n}}
	p.notes[iid] = append(p.notes[iid], d)
	return d
}

// changedFile is one file a merge request changes, with its diff.
type changedFile struct {
	oldPath, newPath      string
	added, deleted, moved bool
	diff                  forgetest.FileDiff
}

// changes diffs a merge request's head against its base, file by file in
// path order; a file whose content moved to a new path is a rename.
func (p *Project) changes(mr *MergeRequest) []changedFile {
	base, head := p.commits[mr.Base], p.commits[mr.Head]
	var out []changedFile
	renamedFrom := map[string]string{}
	for path, content := range head {
		if _, ok := base[path]; ok {
			continue
		}
		for old, before := range base {
			if _, kept := head[old]; !kept && before == content {
				renamedFrom[path] = old
			}
		}
	}
	gone := map[string]bool{}
	for _, from := range renamedFrom {
		gone[from] = true
	}
	paths := slices.Collect(maps.Keys(head))
	for path := range base {
		if _, ok := head[path]; !ok && !gone[path] {
			paths = append(paths, path)
		}
	}
	sort.Strings(paths)
	for _, path := range paths {
		before, inBase := base[path]
		after, inHead := head[path]
		cf := changedFile{oldPath: path, newPath: path}
		switch from, moved := renamedFrom[path]; {
		case moved:
			cf.oldPath, cf.moved = from, true
			before = base[from]
		case !inBase:
			cf.added = true
		case !inHead:
			cf.deleted = true
		case before == after:
			continue
		}
		cf.diff = forgetest.Diff(before, after)
		out = append(out, cf)
	}
	return out
}

// lookup finds a merge request; false after a 404.
func (c *call) mergeRequest() (*MergeRequest, bool) {
	iid, ok := c.number("iid")
	if !ok {
		return nil, false
	}
	mr := c.project.mrs[iid]
	if mr == nil {
		c.fail(404, "404 Not found")
	}
	return mr, mr != nil
}
