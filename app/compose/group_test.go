package compose

import (
	"reflect"
	"strings"
	"testing"
)

const (
	webService = "services:\n  web:\n    image: nginx:1.27\n"
	webPatch   = "services:\n  web:\n    privileged: true\n"
	dbService  = "services:\n  db:\n    image: postgres:16\n"
)

// plans summarizes a grouping as "file+file" per project, with " ~key" when
// the key is not the first file and " (variant)" for a variant.
func plans(g Grouping) []string {
	var out []string
	for _, p := range g.Plans {
		s := strings.Join(p.Files, "+")
		if p.Key != p.Files[0] {
			s += " ~" + p.Key
		}
		if p.Variant {
			s += " (variant)"
		}
		out = append(out, s)
	}
	return out
}

func snapOf(files map[string]string) MapSnapshot {
	snap := MapSnapshot{}
	for p, c := range files {
		snap[p] = []byte(c)
	}
	return snap
}

// selectedOf lists the snapshot's files named like compose files.
func selectedOf(snap Snapshot) []string {
	var out []string
	for _, p := range snap.Paths() {
		if composeFileRe.MatchString(p) {
			out = append(out, p)
		}
	}
	return out
}

func TestGroup(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"compose.yaml with its override",
			map[string]string{"compose.yaml": webService, "compose.override.yaml": webPatch},
			[]string{"compose.yaml+compose.override.yaml"}},
		{"docker-compose.yml with its override",
			map[string]string{"docker-compose.yml": webService, "docker-compose.override.yml": webPatch},
			[]string{"docker-compose.yml+docker-compose.override.yml"}},
		{"other extension of the override",
			map[string]string{"compose.yml": webService, "compose.override.yaml": webPatch},
			[]string{"compose.yml+compose.override.yaml"}},
		{"Compose loads the override of the main file's extension; the other is a variant",
			map[string]string{"compose.yml": webService, "compose.override.yaml": webPatch, "compose.override.yml": webPatch},
			[]string{"compose.yml+compose.override.yaml (variant)", "compose.yml+compose.override.yml"}},
		{"override beside a main file of the other naming scheme extends it as a variant",
			map[string]string{"compose.yaml": webService, "docker-compose.override.yml": webPatch},
			[]string{"compose.yaml", "compose.yaml+docker-compose.override.yml (variant)"}},
		{"override of a variant is a variant of it, beside it",
			map[string]string{"docker-compose.prod.yml": webService, "docker-compose.prod.override.yml": dbService},
			[]string{"docker-compose.prod.yml", "docker-compose.prod.yml+docker-compose.prod.override.yml (variant)"}},
		{"override in a subfolder is merged with the main file above it",
			map[string]string{"docker-compose.yml": webService,
				"helper-scripts/docker-compose.override.yml.d/BUILD_FLAGS/docker-compose.override.yml": webPatch},
			[]string{"docker-compose.yml",
				"docker-compose.yml+helper-scripts/docker-compose.override.yml.d/BUILD_FLAGS/docker-compose.override.yml (variant)"}},
		{"an override joining the main file's network extends it",
			map[string]string{"docker-compose.yml": webService + "    networks: [backend]\nnetworks:\n  backend: {}\n",
				"extra/docker-compose.override.yml": "services:\n  exporter:\n    image: exporter:2\n    networks: [backend]\n"},
			[]string{"docker-compose.yml", "docker-compose.yml+extra/docker-compose.override.yml (variant)"}},
		{"the nearest main file that defines its services wins",
			map[string]string{"compose.yaml": dbService, "a/compose.yaml": webService, "a/b/compose.override.yaml": webPatch},
			[]string{"a/compose.yaml", "a/compose.yaml+a/b/compose.override.yaml (variant)", "compose.yaml"}},
		{"an override naming nothing of the main files above stays alone",
			map[string]string{"compose.yaml": dbService, "vendor/lib/compose.override.yaml": webPatch},
			[]string{"compose.yaml", "vendor/lib/compose.override.yaml"}},
		{"lone override stays alone",
			map[string]string{"deploy/docker-compose.override.yml": webPatch},
			[]string{"deploy/docker-compose.override.yml"}},
		{"override in a sibling folder is not merged",
			map[string]string{"a/compose.yaml": webService, "b/compose.override.yaml": webPatch},
			[]string{"a/compose.yaml", "b/compose.override.yaml"}},
		{"variants are projects of their own",
			map[string]string{"docker-compose.prod.yml": webService, "docker-compose.yml": webService, "sub/compose.yaml": webService},
			[]string{"docker-compose.prod.yml", "docker-compose.yml", "sub/compose.yaml"}},
		{"two main files share nothing",
			map[string]string{"x/compose.yaml": webService, "x/docker-compose.yml": dbService,
				"x/docker-compose.override.yml": dbService, "x/compose.override.yaml": webPatch},
			[]string{"x/compose.yaml+x/compose.override.yaml", "x/docker-compose.yml+x/docker-compose.override.yml"}},
		{"COMPOSE_FILE in the folder's .env names the project's files",
			map[string]string{"compose.yaml": webService, "compose.prod.yaml": webPatch, "compose.dev.yaml": webPatch,
				".env": "TAG=1\nCOMPOSE_FILE=compose.yaml:compose.prod.yaml\n"},
			[]string{"compose.dev.yaml", "compose.yaml+compose.prod.yaml"}},
		{"COMPOSE_FILE with a custom separator, files in subfolders, any name",
			map[string]string{"deploy/base.yml": webService, "deploy/prod.yml": webPatch,
				".env": "COMPOSE_PATH_SEPARATOR=;\nCOMPOSE_FILE=deploy/base.yml;deploy/prod.yml\n"},
			[]string{"deploy/base.yml+deploy/prod.yml"}},
		{"nothing", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := snapOf(tt.files)
			g := Group(snap, selectedOf(snap), nil)
			if got := plans(g); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Group = %q, want %q", got, tt.want)
			}
			if len(g.Problems)+len(g.Unmatched) > 0 {
				t.Errorf("problems %+v, unmatched %+v", g.Problems, g.Unmatched)
			}
		})
	}
}

func TestGroupComposeFileProblems(t *testing.T) {
	snap := snapOf(map[string]string{"compose.yaml": webService, ".env": "# deployment\nCOMPOSE_FILE=compose.yaml:missing.yaml:../other/compose.yaml\n"})
	g := Group(snap, selectedOf(snap), nil)
	if got := plans(g); !reflect.DeepEqual(got, []string{"compose.yaml"}) {
		t.Errorf("plans %q", got)
	}
	var got []string
	for _, p := range g.Problems {
		got = append(got, p.Rule+" "+posString(p.Pos))
	}
	if want := []string{RuleInvalid + " .env:2", RuleOutside + " .env:2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q (%+v)", got, want, g.Problems)
	}
}

// An app store: every app's compose file joins a network its shared file
// declares; the policy declares one project per app, with the shared file.
func TestGroupAppStoreDeclaredInThePolicy(t *testing.T) {
	snap := snapOf(map[string]string{
		"common/networks.yml":                   "networks:\n  apps:\n    name: apps\n",
		"apps/blog/docker-compose.yml":          "services:\n  blog:\n    image: ghost:5\n    networks: [apps]\n",
		"apps/wiki/docker-compose.yml":          "services:\n  wiki:\n    image: wikijs:2\n    networks: [apps]\n",
		"apps/wiki/docker-compose.override.yml": "services:\n  wiki:\n    privileged: true\n",
		"compose.yaml":                          webService,
	})
	specs := []Spec{
		{Files: []string{"common/networks.yml", "apps/*/docker-compose.yml"}, Each: "apps/*/docker-compose.yml"},
		{Files: []string{"missing/*.yml"}},
	}
	g := Group(snap, selectedOf(snap), specs)
	want := []string{
		"common/networks.yml+apps/blog/docker-compose.yml ~apps/blog/docker-compose.yml",
		"common/networks.yml+apps/wiki/docker-compose.yml ~apps/wiki/docker-compose.yml",
		"common/networks.yml+apps/wiki/docker-compose.yml+apps/wiki/docker-compose.override.yml ~apps/wiki/docker-compose.yml (variant)",
		"compose.yaml",
	}
	if got := plans(g); !reflect.DeepEqual(got, want) {
		t.Errorf("plans\n%q\nwant\n%q", got, want)
	}
	if len(g.Unmatched) != 1 || g.Unmatched[0].Glob != "missing/*.yml" {
		t.Errorf("unmatched %+v", g.Unmatched)
	}
	// each appended last when files does not list it; no each: one project.
	g = Group(snap, nil, []Spec{{Files: []string{"common/networks.yml"}, Each: "apps/blog/*.yml"}, {Files: []string{"apps/**/docker-compose.yml"}}})
	want = []string{
		"apps/blog/docker-compose.yml+apps/wiki/docker-compose.yml",
		"common/networks.yml+apps/blog/docker-compose.yml ~apps/blog/docker-compose.yml",
	}
	if got := plans(g); !reflect.DeepEqual(got, want) {
		t.Errorf("plans\n%q\nwant\n%q", got, want)
	}
}

func TestGlob(t *testing.T) {
	cases := []struct {
		glob, path string
		want       bool
	}{
		{"*.yml", "a.yml", true},
		{"*.yml", "d/a.yml", false},
		{"**/*.yml", "a.yml", true},
		{"**/*.yml", "d/e/a.yml", true},
		{"d/**", "d/e/a.yml", true},
		{"d/**", "e/a.yml", false},
		{"a?.yml", "ab.yml", true},
		{"a?.yml", "a/.yml", false},
		{"a.yml", "axyml", false}, // the dot is literal
		{"web-*", "web-1", true},
		{"web-*", "db", false},
		{"*", "", true},
		{"[x].yml", "[x].yml", true},
	}
	for _, tc := range cases {
		if got := Glob(tc.glob).MatchString(tc.path); got != tc.want {
			t.Errorf("Glob(%q) on %q = %v, want %v", tc.glob, tc.path, got, tc.want)
		}
	}
}
