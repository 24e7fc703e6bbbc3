package fix

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

// corpusDir is ../shared/corpus beside the repository; tests run in app/fix.
const corpusDir = "../../../shared/corpus"

var composeFileRe = regexp.MustCompile(`(^|/)(docker-)?compose[^/]*\.ya?ml$`)

// corpusRepos reads each top-level folder of the corpus as one repository.
func corpusRepos(tb testing.TB) map[string]compose.MapSnapshot {
	tb.Helper()
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		tb.Skipf("no compose corpus at %s (../shared/corpus beside the repository); skipping", corpusDir)
	}
	repos := map[string]compose.MapSnapshot{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir, err := compose.NewDirSnapshot(filepath.Join(corpusDir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		snap := compose.MapSnapshot{}
		for _, p := range dir.Paths() {
			if b, err := dir.ReadFile(p); err == nil {
				snap[p] = b
			}
		}
		repos[e.Name()] = snap
	}
	return repos
}

// corpusStats is what one pass over the corpus found.
type corpusStats struct {
	services, fixed, findings, findingsFixed int
	skipped                                  map[string]int // reason: rule → findings
}

func (st *corpusStats) add(o corpusStats) {
	st.services += o.services
	st.fixed += o.fixed
	st.findings += o.findings
	st.findingsFixed += o.findingsFixed
	for k, v := range o.skipped {
		st.skipped[k] += v
	}
}

// fixCorpus computes, for every project of the corpus and every service
// with fixable findings, the edit of each file those findings are in, and
// hands each edit to check (nil in the benchmark). Projects are spread over every core, as the audit does.
func fixCorpus(repos map[string]compose.MapSnapshot, check func(name string, x *Fixer, e Edit)) corpusStats {
	type project struct {
		repo  string
		snap  compose.MapSnapshot
		files []string
	}
	work := make(chan project)
	results := make(chan corpusStats)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pr := range work {
				results <- fixProject(pr.repo, pr.snap, pr.files, check)
			}
		}()
	}
	go func() {
		for repo, snap := range repos {
			var files []string
			for _, p := range snap.Paths() {
				if composeFileRe.MatchString(p) {
					files = append(files, p)
				}
			}
			for _, plan := range compose.Group(snap, files, nil).Plans {
				work <- project{repo, snap, plan.Files}
			}
		}
		close(work)
		wg.Wait()
		close(results)
	}()
	st := corpusStats{skipped: map[string]int{}}
	for r := range results {
		st.add(r)
	}
	return st
}

func fixProject(repo string, snap compose.MapSnapshot, files []string, check func(name string, x *Fixer, e Edit)) corpusStats {
	st := corpusStats{skipped: map[string]int{}}
	p := compose.Load(context.Background(), snap, files)
	if p.Model == nil {
		return st
	}
	x := New(context.Background(), p, DefaultOptions())
	for _, g := range serviceGroups(x.Findings()) {
		st.services++
		st.findings += len(g.findings)
		e, skipped, ok := x.Fix(g.file, g.findings)
		for _, s := range skipped {
			st.skipped[string(s.Reason)+": "+s.Finding.Rule]++
		}
		if !ok {
			continue
		}
		st.fixed++
		st.findingsFixed += len(e.Fixes)
		if check != nil {
			check(repo+"/"+g.file+" ["+g.service+"]", x, e)
		}
	}
	return st
}

type serviceGroup struct {
	service, file string
	findings      []checks.Finding
}

// serviceGroups groups fixable findings by their first service and file,
// as a review groups the findings of one service at one place.
func serviceGroups(all []checks.Finding) []serviceGroup {
	index := map[[2]string]int{}
	var out []serviceGroup
	for _, f := range all {
		if !Fixable(f.Rule) {
			continue
		}
		service := f.Service
		if len(f.Services) > 0 {
			service = f.Services[0]
		}
		k := [2]string{service, f.Pos.File}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, serviceGroup{service: service, file: f.Pos.File})
		}
		out[i].findings = append(out[i].findings, f)
	}
	return out
}

// TestCorpus fixes every service of the corpus that has fixable findings.
// Fix verified each edit by loading and checking the project again; the
// test checks on its own that the lines outside every edit are unchanged,
// and, loading again for one edit in eight (each reload costs as much as
// the verification), that the project loads with fewer findings, none of a
// new kind.
func TestCorpus(t *testing.T) {
	repos := corpusRepos(t)
	var reloaded atomic.Int64
	st := fixCorpus(repos, func(name string, x *Fixer, e Edit) {
		before := x.project.Sources[e.File].Content
		after, err := Apply(before, e)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		b, a := bytes.SplitAfter(before, []byte("\n")), bytes.SplitAfter(after, []byte("\n"))
		inserted := len(a) - len(b)
		for i := range b {
			line := i + 1
			if line >= e.StartLine && line <= e.EndLine {
				continue
			}
			j := i
			if line > e.EndLine {
				j = i + inserted
			}
			if !bytes.Equal(a[j], b[i]) {
				t.Errorf("%s: line %d outside the edit (lines %d-%d) changed: %q → %q", name, line, e.StartLine, e.EndLine, b[i], a[j])
				return
			}
		}
		if crc32.ChecksumIEEE([]byte(name))%8 != 0 {
			return
		}
		reloaded.Add(1)
		snap := compose.MapSnapshot{}
		for _, p := range x.project.Snapshot.Paths() {
			snap[p], _ = x.project.Snapshot.ReadFile(p)
		}
		snap[e.File] = after
		p := compose.Load(context.Background(), snap, x.project.Files)
		if p.Model == nil {
			t.Errorf("%s: the edited project does not load: %+v\n%s", name, p.Problems, e.Text)
			return
		}
		rulesBefore := map[string]bool{}
		for _, f := range x.Findings() {
			rulesBefore[f.Rule+"\x00"+f.Service] = true
		}
		now := checks.Run(p, x.opts.Checks)
		if len(now) > len(x.Findings())-len(e.Fixes) {
			t.Errorf("%s: %d findings after fixing %d of %d", name, len(now), len(e.Fixes), len(x.Findings()))
		}
		for _, f := range now {
			if !rulesBefore[f.Rule+"\x00"+f.Service] {
				t.Errorf("%s: the edit brings %s: %s\n%s", name, f.Rule, f.Message, e.Text)
			}
		}
	})
	if st.services == 0 {
		t.Fatal("no service of the corpus has a fixable finding")
	}
	var reasons []string
	for r, n := range st.skipped {
		reasons = append(reasons, fmt.Sprintf("%5d  %s", n, r))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(reasons)))
	t.Logf("%d services with fixable findings: %d got a verified edit (%d of %d findings fixed; %d edits loaded again by the test); findings left, by reason and rule:\n%s",
		st.services, st.fixed, st.findingsFixed, st.findings, reloaded.Load(), strings.Join(reasons, "\n"))
}

// BenchmarkCorpus times one pass of fixCorpus (every service of the corpus,
// each edit planned and verified) over the corpus held in memory.
func BenchmarkCorpus(b *testing.B) {
	repos := corpusRepos(b)
	b.ResetTimer()
	var st corpusStats
	for i := 0; i < b.N; i++ {
		st = fixCorpus(repos, nil)
	}
	b.ReportMetric(float64(st.fixed), "services-fixed")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*max(st.services, 1)), "µs/service")
}
