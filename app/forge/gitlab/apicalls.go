package gitlab

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/composeguard/composeguard/app/forge/forgekit"
)

// operations recognises the requests this client sends, named by GitLab's
// routes under /api/v4 ({id} the project, {merge_request_iid} its merge
// request): a ServeMux, which matches a URL-escaped project path
// (group%2Fproject) as one segment, as GitLab does.
var operations = func() *http.ServeMux {
	m := http.NewServeMux()
	for _, op := range []string{
		"GET /user",
		"GET /projects",
		"GET /projects/{id}/repository/branches/{branch}",
		"GET /projects/{id}/repository/commits",
		"POST /projects/{id}/repository/commits",
		"GET /projects/{id}/repository/commits/{sha}/merge_requests",
		"GET /projects/{id}/repository/commits/{sha}/statuses",
		"POST /projects/{id}/statuses/{sha}",
		"GET /projects/{id}/repository/tree",
		"GET /projects/{id}/repository/blobs/{sha}/raw",
		"GET /projects/{id}/merge_requests",
		"POST /projects/{id}/merge_requests",
		"GET /projects/{id}/merge_requests/{merge_request_iid}",
		"PUT /projects/{id}/merge_requests/{merge_request_iid}",
		"GET /projects/{id}/merge_requests/{merge_request_iid}/diffs",
		"GET /projects/{id}/merge_requests/{merge_request_iid}/discussions",
		"POST /projects/{id}/merge_requests/{merge_request_iid}/discussions",
		"PUT /projects/{id}/merge_requests/{merge_request_iid}/discussions/{discussion_id}",
		"POST /projects/{id}/merge_requests/{merge_request_iid}/discussions/{discussion_id}/notes",
		"GET /projects/{id}/merge_requests/{merge_request_iid}/notes",
		"POST /projects/{id}/merge_requests/{merge_request_iid}/notes",
		"PUT /projects/{id}/merge_requests/{merge_request_iid}/notes/{note_id}",
		"GET /projects/{id}/issues",
		"POST /projects/{id}/issues",
		"GET /projects/{id}/issues/{issue_iid}",
		"PUT /projects/{id}/issues/{issue_iid}",
	} {
		m.HandleFunc(op, func(http.ResponseWriter, *http.Request) {})
	}
	return m
}()

// operation names r's route, forgekit.OtherOperation for one not listed.
func operation(r *http.Request) string {
	_, route, ok := strings.Cut(r.URL.EscapedPath(), "/api/v4/")
	if !ok {
		return forgekit.OtherOperation
	}
	u, err := url.Parse("/" + route)
	if err != nil {
		return forgekit.OtherOperation
	}
	if _, op := operations.Handler(&http.Request{Method: r.Method, URL: u}); op != "" {
		return op
	}
	return forgekit.OtherOperation
}
