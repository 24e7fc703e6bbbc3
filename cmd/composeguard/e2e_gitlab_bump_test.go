package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/config"
	"github.com/composeguard/composeguard/app/forge/gitlab/gitlabtest"
	"github.com/composeguard/composeguard/app/jobs"
)

// everySecond stands in for COMPOSEGUARD_BUMP_SCHEDULE, whose cron fires
// once a minute at best.
type everySecond struct{}

func (everySecond) Next(t time.Time) time.Time { return t.Truncate(time.Second).Add(time.Second) }

// A scheduled run over the projects of a GitLab-only server, as serve wires
// it: River's periodic job lists the projects the token may push to, each
// is bumped in its own job, and merge requests open where the policy opted
// in and its own schedule allows, and nowhere else.
func TestE2EScheduledGitLabMergeRequests(t *testing.T) {
	fake := gitlabtest.New(t)
	fake.AddUser(e2eGitLabToken, e2eGitLabBot)
	reg := bumptest.New(t, map[string][]string{"library/postgres": {"16.2", "16.4", "17.1"}})
	compose := map[string]string{"compose.yaml": "services:\n  db:\n    image: postgres:16.2\n"}
	with := func(policy string) map[string]string {
		files := map[string]string{".composeguard.yml": policy}
		for p, c := range compose {
			files[p] = c
		}
		return files
	}
	// An hour when the scheduled run's window, the hour before it, is not.
	elsewhen := fmt.Sprintf("0 %d * * *", (time.Now().UTC().Hour()+12)%24)
	projects := map[string]struct {
		files   map[string]string
		set     func(*gitlabtest.Project)
		wantMRs int
	}{
		"acme/stack":               {with("bump:\n"), nil, 2},
		"acme/platform/infra":      {with("bump:\n  schedule: \"* * * * *\"\n"), nil, 2},
		"acme/web":                 {with("bump:\n  schedule: \"" + elsewhen + "\"\n"), nil, 0},
		"acme/legacy":              {compose, nil, 0},
		"acme/old":                 {with("bump:\n"), func(p *gitlabtest.Project) { p.SetArchived(true) }, 0},
		"acme/docs":                {with("bump:\n"), func(p *gitlabtest.Project) { p.SetAccess(e2eGitLabBot, gitlabtest.Reporter) }, 0},
		"mallory/lure":             {with("bump:\n"), func(p *gitlabtest.Project) { p.SetAccess(e2eGitLabBot, gitlabtest.NoAccess) }, 0},
		"acme/platform/empty-repo": {nil, nil, 0},
	}
	byPath := map[string]*gitlabtest.Project{}
	for path, p := range projects {
		project := fake.AddProject(path)
		if p.files != nil {
			project.CommitTo("main", "alice", p.files)
		}
		if p.set != nil {
			p.set(project)
		}
		byPath[path] = project
	}

	instance, err := url.Parse(fake.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{GitLabURL: instance, GitLabToken: e2eGitLabToken, GitLabWebhookSecret: e2eGitLabSecret,
		RegistryMirrors: "docker.io=" + reg.Host, RegistryAllowPrivate: reg.Host}
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f, err := newReviewers(cfg, nil, nil, nil, serverMetrics{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	bump := f.bump
	bump.Schedule = everySecond{}
	queue, err := jobs.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "composeguard.db"),
		jobs.Options{Reviewer: jobs.ByForge{}, Bump: bump, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { queue.Close() })
	if err := queue.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = queue.Stop(t.Context()) })

	// Done: four merge requests opened, and the three other projects listed
	// (off schedule, not opted in, empty) skipped.
	deadline := time.Now().Add(30 * time.Second)
	for len(byPath["acme/stack"].MergeRequests())+len(byPath["acme/platform/infra"].MergeRequests()) < 4 ||
		strings.Count(logs.String(), `"msg":"bump: repository skipped"`) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no merge requests after 30 s:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := queue.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}

	for path, p := range projects {
		mrs := byPath[path].MergeRequests()
		if len(mrs) != p.wantMRs {
			t.Errorf("%s: %d merge requests, want %d", path, len(mrs), p.wantMRs)
		}
		var titles []string
		for _, mr := range mrs {
			titles = append(titles, mr.Title)
			if mr.Author != e2eGitLabBot || !mr.RemoveSourceBranch || !slices.Equal(mr.Labels, []string{"dependencies"}) ||
				!strings.Contains(mr.Description, "<!-- composeguard:bump ") {
				t.Errorf("%s!%d: %+v", path, mr.IID, mr)
			}
		}
		if slices.Sort(titles); p.wantMRs > 0 && !slices.Equal(titles, []string{"Update postgres to 16.4", "Update postgres to 17.1"}) {
			t.Errorf("%s: %q", path, titles)
		}
	}
	for _, r := range fake.Requests() {
		if r.Method == "GET" {
			continue
		}
		if !strings.Contains(r.Path, "/acme%2Fstack/") && !strings.Contains(r.Path, "/acme%2Fplatform%2Finfra/") {
			t.Errorf("%s %s: a write outside the projects that opted in and are due", r.Method, r.Path)
		}
	}
	for _, skipped := range []string{`outside its schedule`, `no bump: section`, `the repository is empty`} {
		if !strings.Contains(logs.String(), skipped) {
			t.Errorf("no project skipped as %q:\n%s", skipped, logs)
		}
	}
	if n := strings.Count(logs.String(), `"msg":"bump: opened"`); n != 4 {
		t.Errorf("%d merge requests logged as opened, want 4:\n%s", n, logs)
	}
	fake.CheckOperations(t)
	if strings.Contains(logs.String(), e2eGitLabToken) {
		t.Error("the token reached the log")
	}
}
