package main

// The end-to-end tests drive the real server (settings → jobs → handlers →
// review flow → GitHub client) over HTTP with signed deliveries shaped like
// GitHub's, against the fake GitHub of githubtest, and assert what the fake
// received.

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver, to look at PostgreSQL

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
	"github.com/composeguard/composeguard/handlers"
)

// The App, installation and repository of the delivery fixtures in
// handlers/testdata, so deliveries differ from them only in the pull request.
const (
	e2eAppID        = 12345
	e2eInstallation = 957387
	e2eOwner        = "Codertocat"
	e2eRepo         = "Hello-World"
	e2eSecret       = "e2e-webhook-secret-5d1f0c"
	// A person's access token, for servers run without the App.
	e2eToken  = "ghp_e2e-personal-token-7c2a"
	e2ePerson = "octocat"
)

var e2eKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func e2eKeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(e2eKey())}))
}

// e2eGitHub is a fake GitHub with the App installed on the fixtures'
// repository.
func e2eGitHub(t testing.TB) (*githubtest.Fake, *githubtest.Repo) {
	fake := githubtest.New(t)
	fake.SetApp(e2eAppID, &e2eKey().PublicKey)
	return fake, fake.AddRepo(e2eOwner, e2eRepo, e2eInstallation)
}

// e2eEnv is the environment of a server acting as the App against fake,
// with its database at dbPath.
func e2eEnv(fake *githubtest.Fake, dbPath string) map[string]string {
	return map[string]string{
		"COMPOSEGUARD_LISTEN":       "127.0.0.1:0",
		"COMPOSEGUARD_DATABASE_URL": "sqlite://" + dbPath,
		"GITHUB_API_URL":            fake.URL,
		"GITHUB_APP_ID":             fmt.Sprint(e2eAppID),
		"GITHUB_APP_PRIVATE_KEY":    e2eKeyPEM(),
		"GITHUB_WEBHOOK_SECRET":     e2eSecret,
	}
}

// e2e is one server and the fake GitHub it reviews on.
type e2e struct {
	fake *githubtest.Fake
	repo *githubtest.Repo
	url  string
	db   string
	logs *logBuffer
	// token is set for a server with a personal access token, which
	// GitHub lets write no check runs; login is who the server posts as.
	token bool
	login string

	deliveries atomic.Int64
}

// startE2E starts the server as the App in this process; it stops when the
// test ends, after the test checked that every request it sent is a GitHub
// operation.
func startE2E(t testing.TB) *e2e { return startE2EWith(t, false, nil) }

// startTokenE2E starts the server with a personal access token instead of
// the App, as for one repository.
func startTokenE2E(t testing.TB) *e2e { return startE2EWith(t, true, nil) }

// eachAuth runs test against a server acting as the App and against one
// with a personal access token.
func eachAuth(t *testing.T, test func(*testing.T, *e2e)) {
	for name, start := range map[string]func(testing.TB) *e2e{"app": startE2E, "token": startTokenE2E} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, start(t))
		})
	}
}

// startE2EWith starts the server with a token or as the App, with more
// settings.
func startE2EWith(t testing.TB, token bool, settings map[string]string) *e2e {
	t.Helper()
	e := &e2e{db: filepath.Join(t.TempDir(), "composeguard.db"), token: token, login: githubtest.AppLogin}
	e.fake, e.repo = e2eGitHub(t)
	env := e2eEnv(e.fake, e.db)
	maps.Copy(env, settings)
	if token {
		delete(env, "GITHUB_APP_ID")
		delete(env, "GITHUB_APP_PRIVATE_KEY")
		env["GITHUB_TOKEN"], e.login = e2eToken, e2ePerson
		e.fake.AllowPersonalToken(e2eToken, e2ePerson)
	}
	e.url, e.logs, _ = startServer(t, env)
	t.Cleanup(func() {
		e.fake.CheckOperations(t)
		for _, secret := range []string{e2eSecret, "PRIVATE KEY", "ghs_", e2eToken} {
			if strings.Contains(e.logs.String(), secret) {
				t.Errorf("the server logged a secret (%q)", secret)
			}
		}
	})
	return e
}

// pull opens pull request number from base to head files.
func (e *e2e) pull(number int, base, head map[string]string) githubtest.Pull {
	p := githubtest.Pull{Number: number, Title: "Change the stack", Base: e.repo.Commit(base), Head: e.repo.Commit(head)}
	e.repo.AddPull(p)
	return p
}

// send posts a delivery signed with the server's secret and returns the
// status; deliveryID "" makes a new one.
func (e *e2e) send(t testing.TB, event, deliveryID string, body []byte) int {
	t.Helper()
	if deliveryID == "" {
		deliveryID = fmt.Sprintf("delivery-%d", e.deliveries.Add(1))
	}
	return postDelivery(t, e.url, event, deliveryID, signE2E(body), body)
}

// signE2E signs body as GitHub does with the servers' webhook secret.
func signE2E(body []byte) string { return handlers.Sign([]byte(e2eSecret), body) }

// postDelivery posts body as GitHub does, with the given signature.
func postDelivery(t testing.TB, url, event, deliveryID, signature string, body []byte) int {
	t.Helper()
	code, err := tryDeliver(url, event, deliveryID, signature, body)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func tryDeliver(url, event, deliveryID, signature string, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url+"/webhooks/github", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/e2e")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", deliveryID)
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "integration")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// opened delivers pull_request opened (or another action) for p and
// expects it acknowledged.
func (e *e2e) opened(t testing.TB, p githubtest.Pull, action string) {
	t.Helper()
	if code := e.send(t, "pull_request", "", pullRequestEvent(t, e.repo, action, p)); code != http.StatusAccepted {
		t.Fatalf("pull_request %s: %d, want 202", action, code)
	}
}

// reviewed waits until no review job waits or runs any more.
func (e *e2e) reviewed(t testing.TB) {
	t.Helper()
	waitIdle(t, openDB(t, "sqlite://"+e.db), 30*time.Second)
}

// fixture reads a delivery of handlers/testdata.
func fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "handlers", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func object(v any) map[string]any { return v.(map[string]any) }

// pullRequestEvent is GitHub's pull_request delivery of action for p, the
// pull request as the fake's API gives it.
func pullRequestEvent(t testing.TB, repo *githubtest.Repo, action string, p githubtest.Pull) []byte {
	t.Helper()
	doc := fixture(t, "pull_request.opened.json")
	doc["action"], doc["number"] = action, p.Number
	maps.Copy(object(doc["pull_request"]), repo.PullJSON(p))
	return marshal(t, doc)
}

// checkRunRerequested is the delivery of the re-run button on the
// composeguard check run of p's head. A fork's head comes without its pull
// request, as on GitHub.
func checkRunRerequested(t testing.TB, p githubtest.Pull) []byte {
	t.Helper()
	doc := fixture(t, "check_run.rerequested.json")
	run := object(doc["check_run"])
	run["head_sha"] = p.Head
	object(run["check_suite"])["head_sha"] = p.Head
	pulls := run["pull_requests"].([]any)
	if p.Fork {
		run["pull_requests"] = []any{}
	} else {
		pr := object(pulls[0])
		pr["number"] = p.Number
		object(pr["head"])["sha"], object(pr["base"])["sha"] = p.Head, p.Base
	}
	return marshal(t, doc)
}

func marshal(t testing.TB, doc map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// openDB opens a server's database to look at, SQLite or PostgreSQL.
func openDB(t testing.TB, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if path, ok := strings.CutPrefix(url, "sqlite://"); ok {
		driver, dsn = "sqlite", path+"?_pragma=busy_timeout(5000)&mode=ro"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitIdle waits until db holds no review or dashboard job that waits or
// runs, and returns how many ended in each state.
func waitIdle(t testing.TB, db *sql.DB, limit time.Duration) map[string]int {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		states, err := jobStates(db)
		if err == nil && states["available"]+states["running"]+states["retryable"]+states["scheduled"]+states["pending"] == 0 {
			return states
		}
		if time.Now().After(deadline) {
			t.Fatalf("reviews still waiting or running after %s: %v %v", limit, states, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jobStates counts the review and dashboard jobs by state.
func jobStates(db *sql.DB) (map[string]int, error) {
	rows, err := db.Query(`SELECT state, count(*) FROM river_job WHERE kind IN ('review', 'dashboard') GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	states := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		states[state] = n
	}
	return states, rows.Err()
}

// runsAt is the check runs at a head.
func (e *e2e) runsAt(head string) []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, r := range e.repo.CheckRuns() {
		if r.HeadSHA == head {
			out = append(out, r)
		}
	}
	return out
}

// verdict is the one check run at head, completed; with a personal token,
// the commit status standing for it.
func (e *e2e) verdict(t testing.TB, head string) githubtest.CheckRun {
	t.Helper()
	if e.token {
		return e.statusVerdict(t, head)
	}
	runs := e.runsAt(head)
	if len(runs) != 1 {
		t.Fatalf("%d check runs at %s, want 1: %+v", len(runs), head, runs)
	}
	if runs[0].Status != "completed" || runs[0].Name != "composeguard" || runs[0].AppID != e2eAppID {
		t.Errorf("check run %s %s %q by app %d, want composeguard completed by the App", runs[0].Name, runs[0].Status, runs[0].Title, runs[0].AppID)
	}
	return runs[0]
}

// statusVerdict reads the composeguard statuses at head, pending and then
// the verdict, as the check run they stand for: the state its conclusion,
// the description its title. No check run may exist.
func (e *e2e) statusVerdict(t testing.TB, head string) githubtest.CheckRun {
	t.Helper()
	if runs := e.runsAt(head); len(runs) != 0 {
		t.Errorf("%d check runs at %s with a personal token, want none", len(runs), head)
	}
	var states []string
	var last githubtest.CommitStatus
	for _, s := range e.repo.Statuses() {
		if s.SHA == head {
			states = append(states, s.State)
			last = s
		}
		if s.Context != "composeguard" || s.Creator != e.login {
			t.Errorf("status %q by %s, want composeguard by %s", s.Context, s.Creator, e.login)
		}
	}
	if len(states) != 1 || states[0] == "pending" {
		t.Fatalf("statuses at %s: %v, want one verdict", head, states)
	}
	return githubtest.CheckRun{Name: last.Context, HeadSHA: head, Status: "completed", Conclusion: last.State, Title: last.Description}
}

// summary is the one summary comment of a pull request.
func (e *e2e) summary(t testing.TB, number int) githubtest.IssueComment {
	t.Helper()
	comments := e.repo.IssueComments(number)
	if len(comments) != 1 || !strings.HasPrefix(comments[0].Body, "<!-- composeguard:summary -->") {
		t.Fatalf("%d conversation comments, want the one summary: %+v", len(comments), comments)
	}
	return comments[0]
}
