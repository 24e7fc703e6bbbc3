package githubtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge/forgetest"
)

// CheckOperations fails t for every request received that is no real GitHub
// operation: a GraphQL request (POST /graphql) whose document does not
// validate against GitHub's schema as the fake knows it, or a REST request
// with no (method, path template) of GitHub's list of documented operations
// beside the module's root (forgetest.Check skips t when that list is
// absent). A trailing {ref}, {branch} or {basehead} may hold slashes, as
// GitHub's refs do (heads/composeguard/postgres-16.x).
func (f *Fake) CheckOperations(t testing.TB) {
	t.Helper()
	var rest [][2]string
	for _, r := range f.Requests() {
		if r.Method == http.MethodPost && r.Path == "/graphql" {
			var req graphQLRequest
			if err := json.Unmarshal(r.Body, &req); err != nil {
				t.Errorf("POST /graphql with a body that is not JSON: %v", err)
			} else if _, _, errs := parseGraphQL(req); errs != nil {
				t.Errorf("POST /graphql is no GitHub GraphQL operation: %v", errs)
			}
			continue
		}
		rest = append(rest, [2]string{r.Method, r.Path})
	}
	param := func(s string) bool { return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") }
	forgetest.Check(t, "github", param, []string{"{ref}", "{branch}", "{basehead}"}, rest)
}
