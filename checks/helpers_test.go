package checks

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
)

// load loads files (path → content) as the snapshot of a repository and
// returns its single project; the first path is the main compose file.
func load(t *testing.T, files map[string]string) *compose.Project {
	t.Helper()
	snap := compose.MapSnapshot{}
	var composeFiles []string
	for p, c := range files {
		snap[p] = []byte(c)
		if strings.Contains(p, "compose") {
			composeFiles = append(composeFiles, p)
		}
	}
	plans := compose.Group(snap, composeFiles, nil).Plans
	if len(plans) == 0 {
		t.Fatalf("no compose file among %v", composeFiles)
	}
	p := compose.Load(context.Background(), snap, plans[0].Files)
	if p.Model == nil {
		t.Fatalf("project did not load: %+v", p.Problems)
	}
	return p
}

// runRule runs one rule with default options on a compose.yaml.
func runRule(t *testing.T, id, yaml string) []Finding {
	t.Helper()
	return runRuleFiles(t, id, DefaultOptions(), map[string]string{"compose.yaml": yaml})
}

func runRuleFiles(t *testing.T, id string, opts Options, files map[string]string) []Finding {
	t.Helper()
	r := Get(id)
	if r == nil {
		t.Fatalf("no rule %s", id)
	}
	c := &Context{Project: load(t, files), Options: opts, rule: r}
	r.Run(c)
	out := merge(c.out)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pos.File != out[j].Pos.File {
			return out[i].Pos.File < out[j].Pos.File
		}
		return out[i].Pos.Line < out[j].Pos.Line
	})
	return out
}

// webService is a service "web" with only its image, for tests to extend.
const webService = "services:\n  web:\n    image: nginx:1.27\n"

// webYAML is a service "web" (nginx, line 2) with a block list under key
// starting on line 5: the shape most rule tests need.
func webYAML(key string, items ...string) string {
	y := webService + "    " + key + ":\n"
	for _, it := range items {
		y += "      - " + it + "\n"
	}
	return y
}

func volumesYAML(items ...string) string { return webYAML("volumes", items...) }

// ruleCase is one table row: a compose file and the findings expected of it,
// each written "service@line severity" ("web@3 critical"), in line order.
type ruleCase struct {
	name string
	yaml string
	want []string
}

func runCases(t *testing.T, id string, cases []ruleCase) {
	t.Helper()
	runCasesWith(t, id, DefaultOptions(), cases)
}

// runCasesWith runs table rows with non-default rule options.
func runCasesWith(t *testing.T, id string, opts Options, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := summarize(runRuleFiles(t, id, opts, map[string]string{"compose.yaml": tc.yaml}))
			if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
				t.Errorf("findings = %v, want %v", got, tc.want)
			}
		})
	}
}

func summarize(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Service+"@"+strconv.Itoa(f.Pos.Line)+" "+f.Severity.String())
	}
	return out
}
