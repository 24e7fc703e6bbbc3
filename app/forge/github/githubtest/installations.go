package githubtest

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// AppSlug is the App's URL name; its bot account is AppLogin.
const AppSlug = "composeguard"

// bumpRoutes adds what the scheduled bump pull requests use: the App and
// its installations, branches and the Git Database, and writing pull
// requests.
func (f *Fake) bumpRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /app", f.asApp(getApp))
	m.HandleFunc("GET /app/installations", f.asApp(listInstallations))
	m.HandleFunc("GET /installation/repositories", f.listInstalledRepos)
	for pattern, h := range map[string]func(*call){
		"GET /repos/{owner}/{repo}/branches/{branch...}":          getBranch,
		"GET /repos/{owner}/{repo}/compare/{basehead...}":         compare,
		"POST /repos/{owner}/{repo}/git/blobs":                    createBlob,
		"POST /repos/{owner}/{repo}/git/trees":                    createTree,
		"POST /repos/{owner}/{repo}/git/commits":                  createCommit,
		"POST /repos/{owner}/{repo}/git/refs":                     createRef,
		"PATCH /repos/{owner}/{repo}/git/refs/{ref...}":           updateRef,
		"GET /repos/{owner}/{repo}/pulls":                         listPulls,
		"POST /repos/{owner}/{repo}/pulls":                        createPull,
		"PATCH /repos/{owner}/{repo}/pulls/{pull_number}":         editPull,
		"POST /repos/{owner}/{repo}/issues/{issue_number}/labels": addLabels,
		"GET /repos/{owner}/{repo}/issues":                        listIssues,
		"POST /repos/{owner}/{repo}/issues":                       createIssue,
		"PATCH /repos/{owner}/{repo}/issues/{issue_number}":       editIssue,
		"GET /repos/{owner}/{repo}/issues/{issue_number}":         getIssue,
	} {
		m.HandleFunc(pattern, f.repoHandler(h))
	}
}

// asApp runs h for a request authenticated with the App's JWT.
func (f *Fake) asApp(h func(*call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		c := &call{w: w, r: r, f: f}
		if msg := f.verifyJWT(credential(r)); msg != "" {
			c.fail(http.StatusUnauthorized, msg)
			return
		}
		h(c)
	}
}

func getApp(c *call) {
	c.json(http.StatusOK, map[string]any{"id": c.f.app.id, "slug": AppSlug, "name": AppSlug})
}

// listInstallations lists one installation per installation ID the
// repositories carry, its account the owner of its first repository.
func listInstallations(c *call) {
	accounts := map[int64]string{}
	for _, r := range c.f.sortedRepos() {
		if _, seen := accounts[r.installation]; !seen && r.installation != 0 {
			accounts[r.installation] = r.owner
		}
	}
	var out []map[string]any
	for _, id := range slices.Sorted(maps.Keys(accounts)) {
		out = append(out, map[string]any{"id": id, "account": map[string]string{"login": accounts[id]}, "suspended_at": nil})
	}
	c.json(http.StatusOK, page(c, out))
}

// listInstalledRepos lists the repositories an installation token reaches.
func (f *Fake) listInstalledRepos(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &call{w: w, r: r, f: f}
	g, ok := f.authorize(r)
	if !ok {
		c.fail(http.StatusUnauthorized, "Bad credentials")
		return
	}
	var repos []map[string]any
	for _, repo := range f.sortedRepos() {
		if g.installation == 0 || repo.installation == g.installation {
			j := repo.json(repo.id, repo.owner)
			j["archived"] = false
			repos = append(repos, j)
		}
	}
	c.json(http.StatusOK, map[string]any{"total_count": len(repos), "repositories": page(c, repos)})
}

func (f *Fake) sortedRepos() []*Repo {
	var out []*Repo
	for _, r := range f.repos {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *Repo) int { return strings.Compare(a.owner+"/"+a.name, b.owner+"/"+b.name) })
	return out
}
