package githubtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// graphQLSchema is the part of GitHub's public GraphQL schema the fake
// serves, with GitHub's names and types
// (https://docs.github.com/en/graphql/reference): a query naming anything
// else is refused as GitHub refuses an unknown field.
const graphQLSchema = `
schema { query: Query mutation: Mutation }

type Query {
  repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  viewer: User!
}

type Mutation {
  resolveReviewThread(input: ResolveReviewThreadInput!): ResolveReviewThreadPayload
}

type Repository {
  id: ID!
  name: String!
  pullRequest(number: Int!): PullRequest
}

type PullRequest {
  id: ID!
  number: Int!
  reviewThreads(after: String, before: String, first: Int, last: Int): PullRequestReviewThreadConnection!
}

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}

type PullRequestReviewThreadConnection {
  nodes: [PullRequestReviewThread]
  pageInfo: PageInfo!
  totalCount: Int!
}

type PullRequestReviewThread {
  id: ID!
  isResolved: Boolean!
  isOutdated: Boolean!
  path: String!
  line: Int
  comments(after: String, before: String, first: Int, last: Int, skip: Int): PullRequestReviewCommentConnection!
}

type PullRequestReviewCommentConnection {
  nodes: [PullRequestReviewComment]
  pageInfo: PageInfo!
  totalCount: Int!
}

type PullRequestReviewComment {
  id: ID!
  databaseId: Int
  body: String!
  path: String!
  author: Actor
}

interface Actor {
  login: String!
}

type Bot implements Actor {
  login: String!
}

type User implements Actor {
  login: String!
}

input ResolveReviewThreadInput {
  clientMutationId: String
  threadId: ID!
}

type ResolveReviewThreadPayload {
  clientMutationId: String
  thread: PullRequestReviewThread
}
`

var schema = gqlparser.MustLoadSchema(&ast.Source{Name: "github.graphql", Input: graphQLSchema})

// maxPage is GitHub's limit on first and last.
const maxPage = 100

// DenyThreadResolution makes resolveReviewThread fail as it does for an
// integration without the pull requests permission.
func (f *Fake) DenyThreadResolution() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denyResolve = true
}

// ThreadResolved reports whether the review thread that starts with the
// comment first is resolved.
func (r *Repo) ThreadResolved(first int64) bool {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.resolved[first]
}

type graphQLRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

// parseGraphQL parses and validates a request against the schema; it
// returns the operation and its variables, or GitHub's complaints.
func parseGraphQL(req graphQLRequest) (*ast.OperationDefinition, map[string]any, []map[string]any) {
	doc, errs := gqlparser.LoadQuery(schema, req.Query)
	if len(errs) > 0 {
		var out []map[string]any
		for _, e := range errs {
			out = append(out, map[string]any{"message": e.Message})
		}
		return nil, nil, out
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil {
		return nil, nil, []map[string]any{{"message": "No operation named " + strconv.Quote(req.OperationName)}}
	}
	vars, err := validator.VariableValues(schema, op, req.Variables)
	if err != nil {
		return nil, nil, []map[string]any{{"message": err.Error()}}
	}
	return op, vars, nil
}

// graphQL answers POST /graphql as GitHub does: 401 without credentials,
// else 200 with data and errors.
func (f *Fake) graphQL(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &call{w: w, r: r, f: f}
	g, ok := f.authorize(r)
	if !ok {
		c.json(http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"})
		return
	}
	var req graphQLRequest
	if !c.decode(&req) {
		return
	}
	op, vars, errs := parseGraphQL(req)
	if errs != nil {
		c.json(http.StatusOK, map[string]any{"errors": errs})
		return
	}
	x := &executor{f: f, grant: g, vars: vars}
	var root node = queryRoot{}
	if op.Operation == ast.Mutation {
		root = mutationRoot{}
	}
	answer := map[string]any{"data": x.object(root, op.SelectionSet, nil)}
	if len(x.errors) > 0 {
		answer["errors"] = x.errors
	}
	c.json(http.StatusOK, answer)
}

// node is an object of the schema: it gives its fields' values, as
// scalars, nodes, lists of nodes or nil.
type node interface {
	typename() string
	field(x *executor, name string, args map[string]any, path []any) any
}

type executor struct {
	f      *Fake
	grant  grant
	vars   map[string]any
	errors []map[string]any
}

func (x *executor) fail(path []any, kind, message string) any {
	x.errors = append(x.errors, map[string]any{"type": kind, "path": slices.Clone(path), "message": message})
	return nil
}

// object resolves a selection set on a node.
func (x *executor) object(n node, set ast.SelectionSet, path []any) any {
	if n == nil {
		return nil
	}
	out := map[string]any{}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__typename" {
				out[s.Alias] = n.typename()
				continue
			}
			p := append(slices.Clone(path), s.Alias)
			out[s.Alias] = x.value(n.field(x, s.Name, s.ArgumentMap(x.vars), p), s.SelectionSet, p)
		case *ast.InlineFragment:
			if s.TypeCondition == "" || s.TypeCondition == n.typename() {
				for k, v := range x.object(n, s.SelectionSet, path).(map[string]any) {
					out[k] = v
				}
			}
		}
	}
	return out
}

func (x *executor) value(v any, set ast.SelectionSet, path []any) any {
	switch v := v.(type) {
	case node:
		return x.object(v, set, path)
	case []node:
		out := make([]any, len(v))
		for i, n := range v {
			out[i] = x.object(n, set, append(slices.Clone(path), i))
		}
		return out
	}
	return v
}

type queryRoot struct{}

func (queryRoot) typename() string { return "Query" }

func (queryRoot) field(x *executor, name string, args map[string]any, path []any) any {
	if name == "viewer" {
		return viewer(x.grant.login)
	}
	owner, repo := args["owner"].(string), args["name"].(string)
	r := x.f.repos[strings.ToLower(owner+"/"+repo)]
	// GitHub hides repositories a token cannot reach.
	if r == nil || x.grant.installation != 0 && r.installation != x.grant.installation {
		return x.fail(path, "NOT_FOUND", fmt.Sprintf("Could not resolve to a Repository with the name '%s/%s'.", owner, repo))
	}
	return repoNode{r}
}

type mutationRoot struct{}

func (mutationRoot) typename() string { return "Mutation" }

func (mutationRoot) field(x *executor, name string, args map[string]any, path []any) any {
	id := args["input"].(map[string]any)["threadId"].(string)
	r, root := x.f.thread(id)
	if root == nil || x.grant.installation != 0 && r.installation != x.grant.installation {
		return x.fail(path, "NOT_FOUND", fmt.Sprintf("Could not resolve to a node with the global id of '%s'", id))
	}
	if x.f.denyResolve {
		return x.fail(path, "FORBIDDEN", "Resource not accessible by integration")
	}
	r.resolved[root.ID] = true
	return payload{threadNode{r, root}}
}

type payload struct{ thread threadNode }

func (payload) typename() string { return "ResolveReviewThreadPayload" }

func (p payload) field(_ *executor, name string, _ map[string]any, _ []any) any {
	if name == "thread" {
		return p.thread
	}
	return nil
}

type repoNode struct{ r *Repo }

func (repoNode) typename() string { return "Repository" }

func (n repoNode) field(x *executor, name string, args map[string]any, path []any) any {
	switch name {
	case "id":
		return fmt.Sprintf("R_kg%d", n.r.id)
	case "name":
		return n.r.name
	}
	number, _ := toInt(args["number"])
	p := n.r.pulls[int(number)]
	if p == nil {
		return x.fail(path, "NOT_FOUND", fmt.Sprintf("Could not resolve to a PullRequest with the number of %d.", number))
	}
	return pullNode{n.r, p}
}

type pullNode struct {
	r *Repo
	p *Pull
}

func (pullNode) typename() string { return "PullRequest" }

func (n pullNode) field(x *executor, name string, args map[string]any, path []any) any {
	switch name {
	case "id":
		return fmt.Sprintf("PR_kw%d", n.p.Number)
	case "number":
		return n.p.Number
	}
	var threads []node
	for _, rc := range n.r.notes {
		if rc.Number == n.p.Number && rc.InReplyTo == 0 {
			threads = append(threads, threadNode{n.r, rc})
		}
	}
	return x.connection("reviewThreads", "PullRequestReviewThreadConnection", threads, args, path)
}

// threadNode is a review thread, named by its first comment.
type threadNode struct {
	r    *Repo
	root *ReviewComment
}

func threadID(root *ReviewComment) string { return fmt.Sprintf("PRRT_kwDO%d", root.ID) }

// thread finds a review thread by id.
func (f *Fake) thread(id string) (*Repo, *ReviewComment) {
	first, err := strconv.ParseInt(strings.TrimPrefix(id, "PRRT_kwDO"), 10, 64)
	if err != nil {
		return nil, nil
	}
	for _, r := range f.repos {
		for _, rc := range r.notes {
			if rc.ID == first && rc.InReplyTo == 0 {
				return r, rc
			}
		}
	}
	return nil, nil
}

func (threadNode) typename() string { return "PullRequestReviewThread" }

func (n threadNode) field(x *executor, name string, args map[string]any, path []any) any {
	p := n.r.pulls[n.root.Number]
	outdated := n.r.outdated(p, n.root)
	switch name {
	case "id":
		return threadID(n.root)
	case "isResolved":
		return n.r.resolved[n.root.ID]
	case "isOutdated":
		return outdated
	case "path":
		return n.root.Path
	case "line":
		if outdated {
			return nil
		}
		return n.root.Line
	}
	comments := []node{commentNode{n.root}}
	for _, rc := range n.r.notes {
		if rc.InReplyTo == n.root.ID {
			comments = append(comments, commentNode{rc})
		}
	}
	return x.connection("comments", "PullRequestReviewCommentConnection", comments, args, path)
}

type commentNode struct{ rc *ReviewComment }

func (commentNode) typename() string { return "PullRequestReviewComment" }

func (n commentNode) field(_ *executor, name string, _ map[string]any, _ []any) any {
	switch name {
	case "id":
		return fmt.Sprintf("PRRC_kwDO%d", n.rc.ID)
	case "databaseId":
		return n.rc.ID
	case "body":
		return n.rc.Body
	case "path":
		return n.rc.Path
	case "author":
		return actor(n.rc.User)
	}
	return nil
}

// viewer is the token's own account; for an installation token GitHub
// names its bot as REST does, "slug[bot]".
type viewer string

func (viewer) typename() string { return "User" }

func (v viewer) field(_ *executor, _ string, _ map[string]any, _ []any) any { return string(v) }

// actor is a login as GraphQL gives it: an App is a Bot named by its slug,
// without the "[bot]" REST adds.
type actor string

func (a actor) typename() string {
	if strings.HasSuffix(string(a), "[bot]") {
		return "Bot"
	}
	return "User"
}

func (a actor) field(_ *executor, _ string, _ map[string]any, _ []any) any {
	return strings.TrimSuffix(string(a), "[bot]")
}

// connection pages items as GitHub does: first (at most 100) is required,
// after is the opaque cursor of the item before the page.
func (x *executor) connection(name, typ string, items []node, args map[string]any, path []any) any {
	if args["last"] != nil || args["before"] != nil {
		return x.fail(path, "INVALID_ARGUMENTS", "the fake pages forward only, with first and after")
	}
	first, ok := toInt(args["first"])
	switch {
	case !ok:
		return x.fail(path, "MISSING_PAGINATION_BOUNDARIES", fmt.Sprintf("You must provide a `first` or `last` value to properly paginate the `%s` connection.", name))
	case first > maxPage || first < 0:
		return x.fail(path, "EXCESSIVE_PAGINATION", fmt.Sprintf("Requesting %d records on the `%s` connection exceeds the `first` limit of %d records.", first, name, maxPage))
	}
	start := 0
	if after, ok := args["after"].(string); ok {
		i, err := cursorIndex(after)
		if err != nil {
			return x.fail(path, "INVALID_CURSOR_ARGUMENTS", fmt.Sprintf("`%s` does not appear to be a valid cursor.", after))
		}
		start = min(i+1, len(items))
	}
	end := min(start+int(first), len(items))
	return connection{typ: typ, items: items, start: start, end: end}
}

// toInt reads an Int argument: int64 when written in the query, a JSON
// number when passed as a variable.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), n == float64(int64(n))
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func cursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("cursor:v2:" + strconv.Itoa(i)))
}

func cursorIndex(c string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(string(b), "cursor:v2:")
	if !ok {
		return 0, fmt.Errorf("not a cursor")
	}
	return strconv.Atoi(s)
}

type connection struct {
	typ        string
	items      []node
	start, end int
}

func (c connection) typename() string { return c.typ }

func (c connection) field(_ *executor, name string, _ map[string]any, _ []any) any {
	switch name {
	case "nodes":
		return c.items[c.start:c.end]
	case "totalCount":
		return len(c.items)
	}
	return pageInfo(c)
}

type pageInfo connection

func (pageInfo) typename() string { return "PageInfo" }

func (p pageInfo) field(_ *executor, name string, _ map[string]any, _ []any) any {
	empty := p.start == p.end
	switch name {
	case "hasNextPage":
		return p.end < len(p.items)
	case "hasPreviousPage":
		return p.start > 0
	case "startCursor":
		if empty {
			return nil
		}
		return cursor(p.start)
	case "endCursor":
		if empty {
			return nil
		}
		return cursor(p.end - 1)
	}
	return nil
}
