package gitlabtest

import (
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
)

// Access levels of a project member (https://docs.gitlab.com/api/members/#roles).
const (
	NoAccess   = 0
	Reporter   = 20
	Developer  = 30
	Maintainer = 40
)

// SetAccess gives user the access level on the project; every user of the
// fake is a Maintainer unless set, and NoAccess makes them no member.
func (p *Project) SetAccess(user string, level int) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.access[user] = level
}

// SetArchived archives the project or brings it back.
func (p *Project) SetArchived(archived bool) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	p.archived = archived
}

func (p *Project) accessOf(user string) int {
	if level, ok := p.access[user]; ok {
		return level
	}
	return Maintainer
}

// projectJSON is a project as GET /projects shows it; simple leaves out
// what Entities::BasicProjectDetails lacks, archived among it. An empty
// repository has no default branch.
func (p *Project) projectJSON(simple bool) map[string]any {
	var defaultBranch any
	if _, ok := p.branches[p.defaultBranch]; ok {
		defaultBranch = p.defaultBranch
	}
	group, name := path.Split(p.Path)
	out := map[string]any{"id": p.ID, "name": name, "path": name, "path_with_namespace": p.Path,
		"name_with_namespace": p.Path, "default_branch": defaultBranch, "web_url": p.webURL(),
		"namespace": map[string]any{"full_path": group[:len(group)-1], "kind": "group"}}
	if !simple {
		out["archived"] = p.archived
	}
	return out
}

// listProjects lists the projects the user may see, narrowed by
// membership, min_access_level and archived, with offset pagination or,
// ordered by id, keyset pagination (id_after, id_before and a Link to the
// next page).
func listProjects(c *call) {
	q := c.r.URL.Query()
	minLevel, _ := strconv.Atoi(q.Get("min_access_level"))
	var list []*Project
	for _, p := range c.f.projects {
		level := p.accessOf(c.user)
		switch {
		case (q.Get("membership") == "true" || minLevel > 0) && level == NoAccess,
			level < minLevel,
			q.Has("archived") && strconv.FormatBool(p.archived) != q.Get("archived"):
			continue
		}
		list = append(list, p)
	}
	desc := q.Get("sort") != "asc"
	slices.SortFunc(list, func(a, b *Project) int {
		if desc {
			return int(b.ID - a.ID)
		}
		return int(a.ID - b.ID)
	})
	simple := q.Get("simple") == "true"
	render := func(ps []*Project) []map[string]any {
		out := make([]map[string]any, 0, len(ps))
		for _, p := range ps {
			out = append(out, p.projectJSON(simple))
		}
		return out
	}
	if q.Get("pagination") != "keyset" {
		c.json(http.StatusOK, page(c, render(list)))
		return
	}
	if q.Get("order_by") != "id" {
		c.fail(http.StatusMethodNotAllowed, "405 Method Not Allowed - keyset pagination is supported only when ordering by id")
		return
	}
	after, _ := strconv.ParseInt(q.Get("id_after"), 10, 64)
	before, _ := strconv.ParseInt(q.Get("id_before"), 10, 64)
	list = slices.DeleteFunc(list, func(p *Project) bool {
		return after > 0 && p.ID <= after || before > 0 && p.ID >= before
	})
	per := perPage(q)
	if len(list) > per {
		list = list[:per]
		last := list[per-1].ID
		q.Del("id_after")
		q.Del("id_before")
		if desc {
			q.Set("id_before", fmt.Sprint(last))
		} else {
			q.Set("id_after", fmt.Sprint(last))
		}
		c.w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", c.link(q)))
	}
	c.json(http.StatusOK, render(list))
}
