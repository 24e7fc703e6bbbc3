package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestDockerfileBuildsWithGoModsGo: the image is built with the Go that go.mod
// names and .ci/run exports as GOTOOLCHAIN, so it carries the standard
// library that the tests and the vulnerability scan checked.
func TestDockerfileBuildsWithGoModsGo(t *testing.T) {
	find := func(file, pattern string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "..", file))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(pattern).FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s has no line matching %s", file, pattern)
		}
		return string(m[1])
	}
	image := find("Dockerfile", `(?m)^FROM (?:--platform=\S+ )?golang:(\S+?)-\S+ AS build$`)
	goMod := find("go.mod", `(?m)^go (\S+)$`)
	if image != goMod {
		t.Errorf("the Dockerfile builds with golang:%s, go.mod names Go %s", image, goMod)
	}
}

// TestSetUpCommandsUseGoModsGo: the README's two set-up commands and
// .ci/run name go.mod's Go as GOTOOLCHAIN, so a fresh machine runs the Go
// that CI tested and the vulnerability scan checked.
func TestSetUpCommandsUseGoModsGo(t *testing.T) {
	read := func(file string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "..", file))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	goMod := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(read("go.mod"))
	if goMod == nil {
		t.Fatal("go.mod names no Go version")
	}
	want := "GOTOOLCHAIN=go" + goMod[1]
	readme := read("README.md")
	for _, cmd := range []string{want + " go run ./cmd/composeguard audit cmd/composeguard/testdata/example", want + " go test ./..."} {
		if !strings.Contains(readme, "\n"+cmd+" ") {
			t.Errorf("README's set-up lacks the command %q", cmd)
		}
	}
	if ci := read(".ci/run"); !strings.Contains(ci, "\nexport "+want+"\n") || !strings.Contains(ci, "\ngo test ./...\n") {
		t.Errorf(".ci/run does not export %s and run go test ./...", want)
	}
}

// TestStaticBuild runs the composeguard binary built without cgo, as the
// Dockerfile builds it: it must be static, so it runs in a scratch or
// distroless image.
func TestStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the composeguard binary as the Dockerfile does; skipped in -short mode")
	}
	if runtime.GOOS != "linux" {
		t.Skipf("the Dockerfile builds for Linux; this is %s", runtime.GOOS)
	}
	// The binary is built as the tests were, to share their build cache.
	if buildSetting("CGO_ENABLED") != "0" {
		t.Skip("the tests were built with cgo, and so is the server they run; CGO_ENABLED=0 go test, as .ci/run and the Dockerfile build, checks it is static")
	}
	docker, err := dockerfileBuild()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(docker.env, "CGO_ENABLED=0") {
		t.Errorf("the Dockerfile builds with %v, not CGO_ENABLED=0: the image's binary would not be static", docker.env)
	}
	bin := buildServer(t)

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader (PT_INTERP): it is not statically linked")
		}
		if p.Type == elf.PT_DYNAMIC {
			t.Error("the binary has a dynamic segment (PT_DYNAMIC): it is not statically linked")
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Error("the binary has a .dynamic section: it is not statically linked")
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		t.Errorf("the binary needs shared libraries: %v", libs)
	}

	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "composeguard test\n" {
		t.Errorf("version: %q, %v; want the version set by -ldflags", out, err)
	}

	dir := t.TempDir()
	write(t, dir, map[string]string{"compose.yaml": privileged, ".composeguard.yml": onlyPolicy("", "privileged-container")})
	cmd := exec.Command(bin, "audit", "--format", "json", dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("audit exit %d (%v), want 1\nstderr:\n%s", code, err, stderr.String())
	}
	if got := of(decode(t, stdout.String()), "privileged-container"); len(got) != 1 || !strings.HasSuffix(got[0], "compose.yaml:4 web") {
		t.Errorf("audit findings %v", got)
	}
	clean := t.TempDir()
	write(t, clean, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n"})
	if err := exec.Command(bin, "audit", "--fail-on", "never", clean).Run(); err != nil {
		t.Errorf("audit --fail-on never: %v", err)
	}

	// compose-go warns about both through logrus, naming the file's path.
	warned := t.TempDir()
	write(t, warned, map[string]string{"compose.yaml": "version: \"3\"\nservices:\n  web:\n    image: nginx:${UNSET_TAG}\n"})
	cmd = exec.Command(bin, "audit", "--fail-on", "never", warned)
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("audit of a file compose-go warns about: %v, stderr:\n%s", err, stderr.String())
	}
}

// goBuild is a go build command line: the variables it sets and its flags.
type goBuild struct {
	env   []string // CGO_ENABLED=0 GOOS=linux GOARCH=amd64
	flags []string // -trimpath -ldflags "-s -w -X main.version=test"
}

// dockerfileBuild is the Dockerfile's go build line, with the values of a
// test build on this machine: version "test", this platform.
var dockerfileBuild = sync.OnceValues(func() (goBuild, error) {
	dockerfile, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		return goBuild{}, err
	}
	m := regexp.MustCompile(`(?m)^RUN ((?:\w+=\S+ )*)go build (.+) -o \S+ \./cmd/composeguard$`).FindSubmatch(dockerfile)
	if m == nil {
		return goBuild{}, errors.New("the Dockerfile has no line RUN [VAR=value …] go build … -o FILE ./cmd/composeguard")
	}
	values := strings.NewReplacer("${VERSION}", "test", "$TARGETOS", runtime.GOOS, "$TARGETARCH", runtime.GOARCH)
	return goBuild{env: strings.Fields(values.Replace(string(m[1]))), flags: splitQuoted(values.Replace(string(m[2])))}, nil
})

// splitQuoted splits a shell word list whose only quoting is "…".
func splitQuoted(s string) []string {
	var words []string
	for i, part := range strings.Split(s, `"`) {
		if i%2 == 1 {
			words = append(words, part)
		} else {
			words = append(words, strings.Fields(part)...)
		}
	}
	return words
}
