package compose

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

var composeFileRe = regexp.MustCompile(`(^|/)(docker-)?compose[^/]*\.ya?ml$`)

// corpusDir is ../shared/corpus from the repository root; tests run in the
// package directory, app/compose.
func corpusDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(wd, "..", "..", "..", "shared", "corpus")
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		t.Skipf("no compose corpus at %s (../shared/corpus from the repository root); skipping", dir)
	}
	return dir
}

// corpusProjects is how many projects the shared corpus holds, and
// corpusInvalid the ones Docker Compose itself rejects, with why: the
// backrest template writes "backrest/data:/data", which Compose reads as a
// named volume (a bind mount starts with ./ or /), and no volume can have
// that name.
const corpusProjects = 890

var corpusInvalid = map[string]string{
	"dokploy-templates/blueprints/backrest/docker-compose.yml": `volume "backrest/data" cannot be declared`,
}

// TestCorpus loads every compose file of the shared corpus, each top-level
// directory as one repository: no panic, every project but the known invalid
// ones has a model, and those say why not.
func TestCorpus(t *testing.T) {
	root := corpusDir(t)
	t.Setenv(secretVar, secretValue)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var projects, models, invalid, outside int
	reasons := map[string]int{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		snap, err := NewDirSnapshot(filepath.Join(root, e.Name()))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		var files []string
		for _, p := range snap.Paths() {
			if composeFileRe.MatchString(p) {
				files = append(files, p)
			}
		}
		for _, plan := range Group(snap, files, nil).Plans {
			projects++
			name := e.Name() + "/" + plan.Files[0]
			p := loadRecovering(t, snap, plan.Files, name)
			if p == nil {
				continue
			}
			if p.Model != nil {
				models++
			} else {
				inv := problemsWith(p, RuleInvalid)
				if len(inv) == 0 {
					t.Errorf("%s: no model and no compose-invalid problem: %+v", name, p.Problems)
					continue
				}
				invalid++
				reasons[reason(inv[0].Message)]++
				if want, ok := corpusInvalid[name]; !ok || !strings.Contains(inv[0].Message, want) {
					t.Errorf("%s: no model: %s", name, inv[0].Message)
				}
			}
			if len(problemsWith(p, RuleOutside)) > 0 {
				outside++
			}
			for _, pr := range p.Problems {
				if pr.Pos.Line < 1 || pr.Pos.File == "" {
					t.Errorf("%s: problem without a place: %+v", name, pr)
				}
				if strings.Contains(pr.Message, secretValue) {
					t.Errorf("%s: the process environment reached a message", name)
				}
			}
			if b, _ := json.Marshal(p.Model); strings.Contains(string(b), secretValue) {
				t.Errorf("%s: the process environment reached the model", name)
			}
		}
	}
	var top []string
	for r, n := range reasons {
		top = append(top, fmt.Sprintf("%4d %s", n, r))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(top)))
	t.Logf("%d projects in %v: %d loaded, %d compose-invalid, %d with references outside the repository\n%s",
		projects, time.Since(start).Round(time.Millisecond), models, invalid, outside, strings.Join(top, "\n"))
	if projects != corpusProjects || models != projects-len(corpusInvalid) {
		t.Errorf("%d of %d projects loaded, want %d of %d", models, projects, corpusProjects-len(corpusInvalid), corpusProjects)
	}
}

func loadRecovering(t *testing.T, snap Snapshot, files []string, name string) (p *Project) {
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: Load panicked: %v", name, r)
			p = nil
		}
	}()
	return Load(context.Background(), snap, files)
}

// reason shortens a message to its kind, for the summary.
func reason(msg string) string {
	msg = strings.TrimPrefix(msg, "Compose rejects this project: ")
	if i := strings.IndexAny(msg, "\n"); i > 0 {
		msg = msg[:i]
	}
	if len(msg) > 90 {
		msg = msg[:90]
	}
	return msg
}
