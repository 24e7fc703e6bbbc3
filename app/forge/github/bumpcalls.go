package github

import (
	"net/http"
	"strings"
)

// The operations the bump flow calls, spelled as in GitHub's REST
// description. A trailing {ref}, {branch} or {basehead} holds slashes
// (heads/composeguard/postgres-16.x), which operation() accounts for.
const (
	opGetApp            = "GET /app"
	opListInstallations = "GET /app/installations"
	opListInstalledRepo = "GET /installation/repositories"
	opGetBranch         = "GET /repos/{owner}/{repo}/branches/{branch}"
	opCreateBlob        = "POST /repos/{owner}/{repo}/git/blobs"
	opCreateTree        = "POST /repos/{owner}/{repo}/git/trees"
	opCreateCommit      = "POST /repos/{owner}/{repo}/git/commits"
	opCreateRef         = "POST /repos/{owner}/{repo}/git/refs"
	opUpdateRef         = "PATCH /repos/{owner}/{repo}/git/refs/{ref}"
	opCompare           = "GET /repos/{owner}/{repo}/compare/{basehead}"
	opListPulls         = "GET /repos/{owner}/{repo}/pulls"
	opCreatePull        = "POST /repos/{owner}/{repo}/pulls"
	opEditPull          = "PATCH /repos/{owner}/{repo}/pulls/{pull_number}"
	opAddLabels         = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels"
	// The security dashboard's issue (issues.go).
	opListIssues  = "GET /repos/{owner}/{repo}/issues"
	opCreateIssue = "POST /repos/{owner}/{repo}/issues"
	opEditIssue   = "PATCH /repos/{owner}/{repo}/issues/{issue_number}"
	opGetIssue    = "GET /repos/{owner}/{repo}/issues/{issue_number}"
)

var bumpOperations = []string{opGetApp, opListInstallations, opListInstalledRepo, opGetBranch,
	opCreateBlob, opCreateTree, opCreateCommit, opCreateRef, opUpdateRef, opCompare,
	opListPulls, opCreatePull, opEditPull, opAddLabels}

var issueOperations = []string{opListIssues, opCreateIssue, opEditIssue, opGetIssue}

// spanning lets an operation's trailing {ref}, {branch} or {basehead} match
// several path segments, as GitHub's refs do.
func spanning(op string) string {
	for _, name := range []string{"{ref}", "{branch}", "{basehead}"} {
		if strings.HasSuffix(op, "/"+name) {
			return strings.TrimSuffix(op, "}") + "...}"
		}
	}
	return op
}

// init adds the bump and issue operations to the recogniser of calls.go, which
// names the review's; kept apart so the two flows' files do not collide.
func init() {
	for _, op := range append(bumpOperations, issueOperations...) {
		operations.HandleFunc(spanning(op), func(http.ResponseWriter, *http.Request) {})
	}
}
