package gitlabtest

import (
	"net/http"
	"strconv"
)

type positionJSON struct {
	PositionType string `json:"position_type"`
	BaseSHA      string `json:"base_sha"`
	StartSHA     string `json:"start_sha"`
	HeadSHA      string `json:"head_sha"`
	OldPath      string `json:"old_path"`
	NewPath      string `json:"new_path"`
	OldLine      int    `json:"old_line,omitempty"`
	NewLine      int    `json:"new_line,omitempty"`
}

// badLineCode is GitLab's answer to a position that names no line of the
// diff (observed by users of the API; see the discussions docs).
const badLineCode = `400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"]}`

func (n *note) json(individual bool, resolved bool) map[string]any {
	typ := any(nil)
	if n.position != nil {
		typ = "DiffNote"
	} else if !individual {
		typ = "DiscussionNote"
	}
	out := map[string]any{"id": n.ID, "type": typ, "body": n.Body, "system": false,
		"author": map[string]any{"username": n.Author}, "noteable_type": "MergeRequest",
		"resolvable": n.position != nil, "resolved": resolved}
	if n.position != nil {
		out["position"] = n.position
	}
	return out
}

func (d *discussion) json() map[string]any {
	var notes []map[string]any
	for _, n := range d.notes {
		notes = append(notes, n.json(d.individual, d.resolved))
	}
	return map[string]any{"id": d.id, "individual_note": d.individual, "notes": notes}
}

func listDiscussions(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	var out []map[string]any
	for _, d := range c.project.notes[mr.IID] {
		out = append(out, d.json())
	}
	c.json(http.StatusOK, page(c, out))
}

// createDiscussion starts a thread, on a line when positioned: the
// position must carry the merge request's current diff refs and name an
// added line by new_line alone, else 400 as GitLab answers.
func createDiscussion(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	var body struct {
		Body     string        `json:"body"`
		Position *positionJSON `json:"position"`
	}
	if !c.decode(&body) {
		return
	}
	if body.Body == "" {
		c.fail(http.StatusBadRequest, "400 Bad request - body is missing")
		return
	}
	if pos := body.Position; pos != nil && !c.placeable(mr, pos) {
		c.fail(http.StatusBadRequest, badLineCode)
		return
	}
	d := c.project.addDiscussion(mr.IID, body.Position == nil, &note{Note: Note{Author: c.user, Body: body.Body}, position: body.Position})
	if pos := body.Position; pos != nil {
		d.notes[0].Path, d.notes[0].Line = pos.NewPath, pos.NewLine
	}
	c.json(http.StatusCreated, d.json())
}

func (c *call) placeable(mr *MergeRequest, pos *positionJSON) bool {
	if pos.PositionType != "text" || pos.BaseSHA != mr.Base || pos.StartSHA != mr.Base || pos.HeadSHA != mr.Head ||
		pos.OldPath == "" || pos.OldLine != 0 {
		return false
	}
	for _, cf := range c.project.changes(mr) {
		if cf.newPath == pos.NewPath && !cf.deleted {
			return cf.diff.Added[pos.NewLine]
		}
	}
	return false
}

func (c *call) discussion(mr *MergeRequest) (*discussion, bool) {
	for _, d := range c.project.notes[mr.IID] {
		if d.id == c.r.PathValue("discussion") {
			return d, true
		}
	}
	c.fail(http.StatusNotFound, "404 Not found")
	return nil, false
}

// resolveDiscussion resolves or reopens a resolvable thread.
func resolveDiscussion(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	d, ok := c.discussion(mr)
	if !ok {
		return
	}
	resolved, err := strconv.ParseBool(c.r.URL.Query().Get("resolved"))
	if err != nil {
		var body struct {
			Resolved *bool `json:"resolved"`
		}
		if !c.decode(&body) {
			return
		}
		if body.Resolved == nil {
			c.fail(http.StatusBadRequest, "400 Bad request - resolved is missing")
			return
		}
		resolved = *body.Resolved
	}
	if d.notes[0].position == nil {
		c.fail(http.StatusBadRequest, "400 Bad request - the discussion is not resolvable")
		return
	}
	d.resolved = resolved
	c.json(http.StatusOK, d.json())
}

func addDiscussionNote(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	d, ok := c.discussion(mr)
	if !ok {
		return
	}
	var body struct {
		Body string `json:"body"`
	}
	if !c.decode(&body) || body.Body == "" {
		return
	}
	n := &note{Note: Note{ID: c.f.id(), Author: c.user, Body: body.Body}}
	d.notes = append(d.notes, n)
	c.json(http.StatusCreated, n.json(false, d.resolved))
}

// listNotes lists every note of the merge request, those of threads too.
func listNotes(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	var out []map[string]any
	for _, d := range c.project.notes[mr.IID] {
		for _, n := range d.notes {
			out = append(out, n.json(d.individual, d.resolved))
		}
	}
	c.json(http.StatusOK, page(c, out))
}

func createNote(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	var body struct {
		Body string `json:"body"`
	}
	if !c.decode(&body) {
		return
	}
	if body.Body == "" {
		c.fail(http.StatusBadRequest, "400 Bad request - body is missing")
		return
	}
	d := c.project.addDiscussion(mr.IID, true, &note{Note: Note{Author: c.user, Body: body.Body}})
	c.json(http.StatusCreated, d.notes[0].json(true, false))
}

// updateNote edits a note; only its author may (403 otherwise).
func updateNote(c *call) {
	mr, ok := c.mergeRequest()
	if !ok {
		return
	}
	id, ok := c.number("note")
	if !ok {
		return
	}
	var body struct {
		Body string `json:"body"`
	}
	if !c.decode(&body) {
		return
	}
	for _, d := range c.project.notes[mr.IID] {
		for _, n := range d.notes {
			if n.ID != id {
				continue
			}
			if n.Author != c.user {
				c.fail(http.StatusForbidden, "403 Forbidden")
				return
			}
			n.Body = body.Body
			d.edits++
			c.json(http.StatusOK, n.json(d.individual, d.resolved))
			return
		}
	}
	c.fail(http.StatusNotFound, "404 Note Not Found")
}
