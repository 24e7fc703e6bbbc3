package pulls_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/pulls"
	"github.com/composeguard/composeguard/app/registry"
)

// TestOneTagListingPerImagePerRun runs the flow over many repositories that
// use the same images, as the scheduled job does: the run's one registry
// client lists each image's tags once, however many repositories use it.
func TestOneTagListingPerImagePerRun(t *testing.T) {
	onEachForge(t, func(t *testing.T, on func(*testing.T) hub) { oneTagListingPerImagePerRun(t, on) })
}

func oneTagListingPerImagePerRun(t *testing.T, on func(*testing.T) hub) {
	const repos = 40
	e := newEnv(t, on, stackFiles(), stackTags)
	optedIn := 1
	for i := range repos - 1 {
		files := stackFiles()
		if i%4 == 0 {
			delete(files, policy.FileName)
		} else {
			optedIn++
		}
		e.hub.addRepo("acme", fmt.Sprintf("svc%02d", i), files)
	}
	var log bytes.Buffer
	runner := pulls.New(pulls.Options{Forge: e.hub.client(), NewRegistry: e.newRegistry, Now: func() time.Time { return e.now },
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	list, err := runner.Repositories(t.Context())
	if err != nil || len(list) != repos {
		t.Fatalf("%d repositories, %v; want %d", len(list), err, repos)
	}
	start := time.Now()
	for _, repo := range list {
		if err := runner.Bump(t.Context(), repo, monday06); err != nil {
			t.Fatalf("%s: %v", repo, err)
		}
	}
	elapsed := time.Since(start)
	if opened := strings.Count(log.String(), `msg="bump: opened"`); opened != 2*optedIn {
		t.Errorf("%d pull requests opened, want 2 in each of %d repositories that opted in:\n%s", opened, optedIn, log.String())
	}
	if len(e.clients) != 1 {
		t.Fatalf("%d registry clients for one run, want 1", len(e.clients))
	}
	for _, image := range []string{"docker.io/library/postgres", "docker.io/library/nginx"} {
		if n := e.clients[0].RequestsFor(image)[registry.KindTags]; n != 1 {
			t.Errorf("%s: %d tag listings in one run over %d repositories, want 1", image, n, repos)
		}
	}
	t.Logf("%d repositories (%d opted in, 2 pull requests each) in %v; registry requests %v; %s requests %d (%.1f per repository)",
		repos, optedIn, elapsed.Round(time.Millisecond), e.clients[0].Requests(),
		e.hub.kind(), e.requests(), float64(e.requests())/repos)
}
