package audit

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"

	"github.com/sirupsen/logrus"
)

// TestScoreCorpus scores every project of the shared corpus on its own, as
// `composeguard audit FILE` does, and logs the distribution README.md "The
// score" shows (`go test -v -run TestScoreCorpus ./app/audit`).
func TestScoreCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("../shared/corpus is not beside the repository")
	}
	logrus.SetOutput(io.Discard) // compose-go's warnings
	snap, err := compose.NewDirSnapshot(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	r := Run(context.Background(), snap, policy.Default(), now)
	units := map[string][]unit{}
	for _, u := range r.units {
		units[u.project] = append(units[u.project], u)
	}
	findings := map[string][]Finding{}
	for _, f := range r.Findings {
		findings[f.project] = append(findings[f.project], f)
	}
	scores := map[Group][]float64{}
	var overall []float64
	for _, project := range sortedKeys(units) {
		s := score(findings[project], units[project])
		broken := units[project][0].broken
		for _, g := range Groups {
			scores[g] = append(scores[g], s.Of(g))
			// The issue this score answers: nearly every file scored
			// exactly 0 in Container Hardening, so it told them apart
			// from nothing.
			if g == ContainerHardening && s.Of(g) == 0 && !broken && !hasCritical(findings[project], g) {
				t.Errorf("%s scores 0 in %s without a critical finding there", project, g)
			}
		}
		if hasCritical(findings[project], SystemSecurity) && s.SystemSecurity != 0 {
			t.Errorf("%s has a critical System Security finding but scores %.1f there", project, s.SystemSecurity)
		}
		overall = append(overall, s.Overall)
	}
	columns := [][]float64{scores[ContainerHardening], scores[ImageSecurity], scores[SystemSecurity], overall}
	t.Logf("%d projects\n%s", len(overall), distribution(columns))
}

func hasCritical(fs []Finding, g Group) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool {
		fg, ok := GroupOf(f.Category)
		return ok && fg == g && f.Severity == checks.Critical
	})
}

// distribution renders a Markdown table of scores in 1-point buckets (exact
// 0 and 10 apart), with nearest-rank percentiles.
func distribution(columns [][]float64) string {
	var b strings.Builder
	b.WriteString("| score | Container Hardening | Image Security | System Security | Overall |\n| --- | ---: | ---: | ---: | ---: |\n")
	row := func(label string, in func(float64) bool) {
		b.WriteString("| " + label)
		for _, c := range columns {
			n := 0
			for _, v := range c {
				if in(v) {
					n++
				}
			}
			fmt.Fprintf(&b, " | %d", n)
		}
		b.WriteString(" |\n")
	}
	row("= 0", func(v float64) bool { return v == 0 })
	for k := 0; k < 10; k++ {
		lo := float64(k)
		row(fmt.Sprintf("%d–%d", k, k+1), func(v float64) bool { return v > 0 && v >= lo && v < lo+1 })
	}
	row("= 10", func(v float64) bool { return v == 10 })
	for _, p := range []struct {
		label string
		at    float64
	}{{"p10", 0.1}, {"median", 0.5}, {"p90", 0.9}} {
		b.WriteString("| " + p.label)
		for _, c := range columns {
			sorted := slices.Sorted(slices.Values(c))
			rank := int(math.Ceil(p.at*float64(len(sorted)))) - 1
			fmt.Fprintf(&b, " | %.1f", sorted[max(rank, 0)])
		}
		b.WriteString(" |\n")
	}
	return b.String()
}
