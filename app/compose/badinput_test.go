package compose

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// Whatever a repository commits, Load comes back with a model or a
// compose-invalid Problem that says what is wrong and where, quickly.

func TestBadInputIsACleanProblem(t *testing.T) {
	tests := []struct {
		name    string
		content string
		line    int // 0: any
		words   []string
	}{
		{"bad indentation", "services:\n  web:\n    image: nginx\n   ports: [80]\n", 4, []string{"invalid YAML", "expected key"}},
		{"bad indentation deeper in the file", "services:\n  web:\n    image: nginx\n    labels:\n      a: 1\n      b: 2\n     c: 3\n", 7, []string{"invalid YAML"}},
		{"long lines before the error", "services:\n  web:\n    image: nginx\n    labels:\n      a: " + strings.Repeat("x", 3000) + "\n      b: " + strings.Repeat("y", 700) + "\n     c: 1\n", 7, []string{"invalid YAML"}},
		{"list item among keys", "services:\n  web:\n    image: nginx\n    environment:\n      - A=1\n      B: 2\n", 6, []string{"invalid YAML"}},
		{"unclosed flow list", "services:\n  web:\n    image: nginx\n    command: [a, b\n  db:\n    image: x\n", 4, []string{"invalid YAML"}},
		{"unclosed quote", "services:\n  web:\n    image: \"nginx\n", 0, []string{"invalid YAML"}},
		{"mapping value in a scalar", "services:\n  web:\n    image: nginx\n    command: echo: hi\n", 4, []string{"invalid YAML"}},
		{"tab indentation", "services:\n\tweb:\n", 2, []string{"invalid YAML"}},
		{"unknown alias", "services:\n  web:\n    image: nginx\n    command: *nope\n", 4, []string{"unknown anchor"}},
		{"duplicate key", "services:\n  web:\n    image: nginx\n    privileged: false\n    privileged: true\n", 5, []string{"privileged", "already defined at line 4"}},
		{"duplicate service", "services:\n  web:\n    image: nginx\n  db:\n    image: pg\n  web:\n    image: x\n", 6, []string{"web", "line 2"}},
		{"duplicate top-level key", "services:\n  web:\n    image: nginx\nservices:\n  db:\n    image: pg\n", 4, []string{"services"}},
		{"duplicate merge key", "x-a: &a {image: a}\nx-b: &b {restart: always}\nservices:\n  web:\n    <<: *a\n    <<: *b\n", 6, []string{"<<"}},
		{"duplicate key through an alias", "x-k: &k image\nservices:\n  web:\n    image: nginx\n    *k : other\n", 5, []string{"image"}},
		{"top-level list", "- services\n- web\n", 1, []string{"not a compose file"}},
		{"top-level scalar", "hello world\n", 1, []string{"not a compose file"}},
		{"second document is a list", "services:\n  web:\n    image: nginx\n---\n- x\n", 5, []string{"not a compose file"}},
		{"trailing empty document", "services:\n  web:\n    image: nginx\n---\n", 0, []string{"not a compose file"}},
		{"unrelated keys", "name: demo\nfoo: bar\nservices:\n  web:\n    image: nginx\n", 2, []string{"additional properties 'foo'"}},
		{"unrelated keys only", "version: '3'\nkind: Deployment\nmetadata:\n  name: x\n", 2, []string{"additional properties"}},
		{"services is a list", "services: [a, b]\n", 1, []string{"services must be a mapping"}},
		{"unknown service key", "services:\n  web:\n    image: nginx\n    unknown_key: 1\n", 4, []string{"unknown_key"}},
		{"wrong type", "services:\n  web:\n    image: nginx\n    ports: 80\n", 4, []string{"ports"}},
		{"volume name no file can declare", "services:\n  web:\n    image: nginx\n    volumes:\n      - backrest/data:/data\n", 5, []string{"backrest/data", "cannot be declared", "./"}},
		{"impossible value beside an undefined network", "services:\n  web:\n    image: nginx\n    network_mode: host\n    networks: [missing]\n", 2, []string{"mutually exclusive"}},
		{"empty file", "", 1, []string{"empty"}},
		{"blank file", " \n\n\t\n", 1, []string{"empty"}},
		{"only comments", "# services:\n#   web:\n#     image: nginx\n", 1, []string{"no YAML document"}},
		{"binary", "\x00\x01\x02\xff\xfe", 0, nil},
		{"UTF-16", "\xff\xfes\x00e\x00r\x00", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadFiles(t, MapSnapshot{"compose.yaml": []byte(tt.content)})
			wantInvalid(t, p, "compose.yaml", tt.line, tt.words...)
		})
	}
}

func TestBadEnvFile(t *testing.T) {
	p := loadFiles(t, MapSnapshot{
		".env":         []byte("A=1\nB C\n"),
		"compose.yaml": []byte("services:\n  web:\n    image: nginx\n"),
	})
	wantInvalid(t, p, ".env", 2, ".env")
}

func TestOverrideProblemsNameTheOverride(t *testing.T) {
	p := loadFiles(t, MapSnapshot{
		"compose.yaml":          []byte("services:\n  web:\n    image: nginx\n"),
		"compose.override.yaml": []byte("services:\n  web:\n    image: x\n   ports: []\n"),
	}, "compose.yaml", "compose.override.yaml")
	wantInvalid(t, p, "compose.override.yaml", 4, "invalid YAML")

	p = loadFiles(t, MapSnapshot{"compose.yaml": []byte("services:\n  web:\n    image: nginx\n")}, "compose.yaml", "compose.override.yaml")
	wantInvalid(t, p, "compose.override.yaml", 1, "cannot be read")
}

// measure runs f and returns its duration and the bytes it allocated.
func measure(f func()) (time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return d, after.TotalAlloc - before.TotalAlloc
}

func TestFileOverMaxFileSize(t *testing.T) {
	big := bytes.Repeat([]byte("# padding padding padding padding padding padding padding padding\n"), (10<<20)/66)
	big = append([]byte("services:\n  web:\n    image: nginx\n"), big...)
	var p *Project
	d, alloc := measure(func() { p = loadFiles(t, MapSnapshot{"compose.yaml": big}) })
	wantInvalid(t, p, "compose.yaml", 1, "larger than 4 MB")
	t.Logf("10 MB file: %v, %d KB allocated", d, alloc>>10)
	if d > 2*time.Second {
		t.Errorf("refusing a 10 MB file took %v", d)
	}

	// Included, it is refused at the include line.
	p = loadFiles(t, MapSnapshot{
		"compose.yaml": []byte("services:\n  web:\n    image: nginx\ninclude:\n  - big.yml\n"),
		"big.yml":      big,
	})
	wantInvalid(t, p, "compose.yaml", 5, "big.yml", "larger than")
}

func TestTenThousandServices(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "  s%d:\n    image: nginx:1.%d\n    ports: [\"%d:80\"]\n    read_only: true\n", i, i, 10000+i)
	}
	var p *Project
	d, alloc := measure(func() { p = loadFiles(t, MapSnapshot{"compose.yaml": []byte(b.String())}) })
	t.Logf("10,000 services (%d KB): %v, %d MB allocated", b.Len()>>10, d, alloc>>20)
	invalid := problemsWith(p, RuleInvalid)
	if p.Model != nil || len(invalid) != 1 || invalid[0].Pos.Line != 1 ||
		!strings.Contains(invalid[0].Message, "10000 services") {
		t.Fatalf("want one compose-invalid problem naming the count at the services key, got %+v", p.Problems)
	}
	// Bounds that cannot flake on a slow machine, only on a blow-up.
	if d > 5*time.Second || alloc > 1<<30 {
		t.Errorf("10,000 services: %v, %d MB", d, alloc>>20)
	}
}

func TestThousandServicesLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: compose-go takes about half a second on a thousand services")
	}
	var b strings.Builder
	b.WriteString("services:\n")
	for i := 0; i < MaxServices; i++ {
		fmt.Fprintf(&b, "  s%d:\n    image: nginx:1.%d\n    read_only: true\n", i, i)
	}
	p := loadFiles(t, MapSnapshot{"compose.yaml": []byte(b.String())})
	if p.Model == nil || len(p.Model.Services) != MaxServices {
		t.Fatalf("a project at the limit must load: %+v", p.Problems)
	}
	if got := posString(p.Where("s999", "read_only")); got != "compose.yaml:3001" {
		t.Errorf("read_only of the last service at %s", got)
	}
}

func TestDeepNesting(t *testing.T) {
	var block strings.Builder
	block.WriteString("services:\n  web:\n    image: nginx\nx-deep:\n")
	for i := 0; i < 2000; i++ {
		block.WriteString(strings.Repeat(" ", i+1) + "k:\n")
	}
	tests := []struct {
		name, content string
	}{
		{"flow lists", "services:\n  web:\n    image: nginx\n    labels:\n      x: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n"},
		{"flow maps", "services:\n  web:\n    image: nginx\n    labels:\n      x: " + strings.Repeat("{a: ", 10000) + "1" + strings.Repeat("}", 10000) + "\n"},
		{"block maps", block.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *Project
			d, alloc := measure(func() { p = loadFiles(t, MapSnapshot{"compose.yaml": []byte(tt.content)}) })
			pr := wantInvalid(t, p, "compose.yaml", 0, "nested more than")
			if pr.Pos.Line < 4 {
				t.Errorf("problem at line %d, want the deep value's line", pr.Pos.Line)
			}
			t.Logf("%s: %v, %d MB", tt.name, d, alloc>>20)
			if d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	// Nesting a compose file needs still loads.
	ok := "services:\n  web:\n    image: nginx\n    labels:\n      x: " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\nx-meta: " + strings.Repeat("{a: ", 50) + "1" + strings.Repeat("}", 50) + "\n"
	p := loadFiles(t, MapSnapshot{"compose.yaml": []byte(ok)})
	if p.Model == nil && !strings.Contains(fmt.Sprint(p.Problems), "labels") {
		t.Errorf("moderate nesting refused: %+v", p.Problems)
	}
}

// aliasBomb is the billion laughs: level i is a list of `fan` aliases of
// level i-1, and a service uses the last level.
func aliasBomb(levels, fan int, merge bool) string {
	var b strings.Builder
	if merge {
		b.WriteString("x-l0: &l0 {a0: lol}\n")
	} else {
		b.WriteString("x-l0: &l0 [lol]\n")
	}
	for i := 1; i <= levels; i++ {
		var refs []string
		for j := 0; j < fan; j++ {
			refs = append(refs, fmt.Sprintf("*l%d", i-1))
		}
		if merge {
			fmt.Fprintf(&b, "x-l%d: &l%d {<<: [%s], a%d: x}\n", i, i, strings.Join(refs, ", "), i)
		} else {
			fmt.Fprintf(&b, "x-l%d: &l%d [%s]\n", i, i, strings.Join(refs, ", "))
		}
	}
	if merge {
		fmt.Fprintf(&b, "services:\n  web:\n    image: nginx\n    labels:\n      <<: *l%d\n", levels)
	} else {
		fmt.Fprintf(&b, "services:\n  web:\n    image: nginx\n    command: *l%d\n    entrypoint: *l%d\n", levels, levels)
	}
	return b.String()
}

func TestAliasBomb(t *testing.T) {
	for _, tt := range []struct {
		name  string
		merge bool
	}{{"aliases", false}, {"merge keys", true}} {
		t.Run(tt.name, func(t *testing.T) {
			content := aliasBomb(9, 9, tt.merge)
			var p *Project
			d, alloc := measure(func() { p = loadFiles(t, MapSnapshot{"compose.yaml": []byte(content)}) })
			t.Logf("9x9 %s bomb: %v, %d KB allocated", tt.name, d, alloc>>10)
			wantInvalid(t, p, "compose.yaml", 0, "alias")
			if d > time.Second {
				t.Errorf("the bomb took %v, want well under a second", d)
			}
			if alloc > 256<<20 {
				t.Errorf("the bomb allocated %d MB", alloc>>20)
			}
		})
	}

	// The node walkers never expand aliases: each visits every anchor once.
	src, err := ParseSource("compose.yaml", []byte(aliasBomb(9, 9, true)))
	if err != nil {
		t.Fatal(err)
	}
	p := &Project{Files: []string{"compose.yaml"}, Sources: map[string]*Source{"compose.yaml": src}, layers: []string{"compose.yaml"}, Env: map[string]string{}}
	d, _ := measure(func() {
		_, labels := findService(src.Docs[0], "web")
		_, labels = lookup(labels, "labels")
		if _, v := lookup(labels, "missing"); v != nil {
			t.Error("found a key that is not there")
		}
		n := 0
		Mapping(labels, func(_, _ *yaml.Node) { n++ })
		if n != 10 {
			t.Errorf("Mapping saw %d keys, want a0..a9", n)
		}
		if got := p.Unknown(src.Docs[0]); len(got) != 0 {
			t.Errorf("Unknown = %v", got)
		}
		if ph := p.placeholders(); len(ph) != 0 {
			t.Errorf("placeholders = %v", ph)
		}
		p.Where("web", "labels", "missing")
		p.LocateAll("web", "labels", "a0")
	})
	if d > time.Second {
		t.Errorf("walking the bomb took %v", d)
	}
	var unknown []string
	src2, _ := ParseSource("compose.yaml", []byte(strings.ReplaceAll(aliasBomb(9, 9, false), "[lol]", "[\"${LOL}\"]")))
	p.Sources["compose.yaml"] = src2
	d, _ = measure(func() {
		unknown = p.Unknown(src2.Docs[0])
		p.placeholders()
	})
	if len(unknown) != 1 || unknown[0] != "LOL" || d > time.Second {
		t.Errorf("Unknown on a bomb = %v in %v", unknown, d)
	}
}

// A large anchor shared by many services costs its size once.
func TestWideAliasFanOut(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-big: &big [")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "\"${V%d}\", ", i%50)
	}
	b.WriteString("end]\nservices:\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "  s%d:\n    image: nginx\n    command: *big\n    privileged: ${P}\n", i)
	}
	var p *Project
	d, alloc := measure(func() { p = loadFiles(t, MapSnapshot{"compose.yaml": []byte(b.String())}) })
	t.Logf("2,000 aliases of a 20,000-item anchor: %v, %d MB, %d problems", d, alloc>>20, len(p.Problems))
	if p.Model == nil && len(problemsWith(p, RuleInvalid)) == 0 {
		t.Fatal("neither a model nor a problem")
	}
	if d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}
