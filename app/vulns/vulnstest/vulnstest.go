// Package vulnstest stands in for the trivy executable in tests, since
// Trivy cannot download its database here: a script that runs the test
// binary itself as a fake trivy, which answers `trivy image … -- IMAGE` with
// a recorded report (testdata/*.json, shaped after Trivy's own JSON output)
// by the image's digest, or fails, hangs or prints garbage as told, and
// logs every call. A test package using it calls RunIfTrivy first thing in
// its TestMain.
package vulnstest

import (
	"bufio"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/registry"
	"github.com/composeguard/composeguard/app/vulns"
)

//go:embed testdata/*.json
var recorded embed.FS

// Digests of the recorded reports, as the stand-in knows them.
const (
	// Postgres162 has 11 critical and high vulnerabilities (4 critical),
	// two without a fix, two in a Go binary, two in two packages each.
	Postgres162 = "sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
	// Postgres166 keeps the 2 of them not fixed yet (1 critical) and has 1
	// new high one.
	Postgres166 = "sha256:b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
	// Nginx127 has none.
	Nginx127 = "sha256:c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"
	// Distroless has no OS Trivy detects, and no results.
	Distroless = "sha256:d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"
	// Hostile's package names, versions, titles, IDs and URLs are markup.
	Hostile = "sha256:e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"
)

// Reports maps the recorded reports' digests to their files.
var Reports = map[string]string{
	Postgres162: "postgres-16.2", Postgres166: "postgres-16.6", Nginx127: "nginx-1.27",
	Distroless: "distroless", Hostile: "hostile",
}

// Behaviours of the stand-in for a digest, instead of a report's name.
const (
	Hang    = "hang"    // sleeps until killed
	Garbage = "garbage" // prints text that is not JSON, exits 0
	DBError = "db"      // fails as Trivy does without its database
	Denied  = "denied"  // fails as Trivy does when the registry asks for credentials
	Huge    = "huge"    // prints a report larger than any composeguard reads
	// Slow prefixes a report's name: the report comes after 300 ms.
	Slow = "slow:"
)

// dirVariable carries the stand-in's folder from its script to the test
// binary; the scanner gives Trivy no environment of its own.
const dirVariable = "VULNSTEST_TRIVY_DIR"

// Trivy is a stand-in trivy executable.
type Trivy struct {
	// Path is the executable to configure as trivy.
	Path string
	dir  string
}

// New writes a stand-in answering for the digests of images: each maps to
// a recorded report's name (Reports) or a behaviour. A digest it does not
// know fails as Trivy does for an image the registry lacks.
func New(t testing.TB, images map[string]string) *Trivy {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config, err := json.Marshal(images)
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\n%s='%s' exec '%s' \"$@\"\n", dirVariable, dir, self)
	tr := &Trivy{Path: filepath.Join(dir, "trivy"), dir: dir}
	if err := os.WriteFile(filepath.Join(dir, "images.json"), config, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tr.Path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return tr
}

// Scanner is a scanner running the stand-in, with a cache folder of its
// own unless opts names one; it is closed when the test ends.
func (tr *Trivy) Scanner(t testing.TB, opts vulns.Options) *vulns.Scanner {
	t.Helper()
	opts.Trivy = tr.Path
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	s, err := vulns.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Digests answers digest lookups as a registry holding repository:tag →
// digest; it has no other tag.
type Digests map[string]string

func (d Digests) Digest(_ context.Context, repository, tag string) (string, error) {
	if digest, ok := d[repository+":"+tag]; ok {
		return digest, nil
	}
	return "", &registry.LookupError{Failure: registry.NotFound, Repository: repository, Tag: tag}
}

// Call is one run of the stand-in.
type Call struct {
	Args  []string
	Env   []string // sorted, without the stand-in's own variable
	Dir   string
	Start time.Time
	End   time.Time // zero when it was killed
}

// Image is the call's last argument, the image it was asked to scan.
func (c Call) Image() string { return c.Args[len(c.Args)-1] }

// Calls lists the runs so far, in the order they started.
func (tr *Trivy) Calls(t testing.TB) []Call {
	t.Helper()
	f, err := os.Open(filepath.Join(tr.dir, "calls.log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []Call
	byPid := map[int]int{}
	lines := bufio.NewScanner(f)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		var e event
		if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Args == nil {
			calls[byPid[e.Pid]].End = e.At
			continue
		}
		byPid[e.Pid] = len(calls)
		calls = append(calls, Call{Args: e.Args, Env: e.Env, Dir: e.Dir, Start: e.At})
	}
	return calls
}

// MostAtOnce is the largest number of runs that overlapped in time; a
// killed run counts until the end of the log.
func (tr *Trivy) MostAtOnce(t testing.TB) int {
	calls := tr.Calls(t)
	most := 0
	for _, c := range calls {
		n := 0
		for _, o := range calls {
			if !o.Start.After(c.Start) && (o.End.IsZero() || o.End.After(c.Start)) {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// event is a line of the call log: a start (with Args) or an end.
type event struct {
	Pid  int
	At   time.Time
	Args []string `json:",omitempty"`
	Env  []string `json:",omitempty"`
	Dir  string   `json:",omitempty"`
}

var logMu sync.Mutex

func logEvent(dir string, e event) {
	logMu.Lock()
	defer logMu.Unlock()
	line, _ := json.Marshal(e)
	f, err := os.OpenFile(filepath.Join(dir, "calls.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fail("calls.log: " + err.Error())
	}
	// One write of a short line with O_APPEND: lines of processes running
	// at once do not interleave.
	f.Write(append(line, '\n'))
	f.Close()
}

// RunIfTrivy runs the stand-in and exits when the test binary was started
// as one.
func RunIfTrivy() {
	dir := os.Getenv(dirVariable)
	if dir == "" {
		return
	}
	os.Exit(standIn(dir, os.Args[1:]))
}

func standIn(dir string, args []string) int {
	// PWD is the script's shell's.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, dirVariable+"=") || strings.HasPrefix(kv, "PWD=")
	})
	slices.Sort(env)
	wd, _ := os.Getwd()
	logEvent(dir, event{Pid: os.Getpid(), At: time.Now(), Args: args, Env: env, Dir: wd})
	defer func() { logEvent(dir, event{Pid: os.Getpid(), At: time.Now()}) }()

	// As cobra reads it: the image is the one argument after "--".
	dash := slices.Index(args, "--")
	if len(args) == 0 || args[0] != "image" || dash < 0 || dash != len(args)-2 {
		fail("unexpected arguments: " + strings.Join(args, " "))
	}
	_, digest, _ := strings.Cut(args[dash+1], "@")
	var images map[string]string
	data, err := os.ReadFile(filepath.Join(dir, "images.json"))
	if err != nil || json.Unmarshal(data, &images) != nil {
		fail("images.json unreadable")
	}
	answer, ok := images[digest]
	switch {
	case !ok:
		fmt.Fprintf(os.Stderr, "FATAL\tFatal error\trun error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: unable to find the specified image %q in [\"remote\"]: remote error: GET https://index.docker.io/v2/library/x/manifests/%s: MANIFEST_UNKNOWN: manifest unknown\n", args[dash+1], digest)
		return 1
	case answer == Hang:
		time.Sleep(time.Hour)
	case answer == Garbage:
		fmt.Println("2026-03-02T10:14:31Z\tINFO\tVulnerability scanning is enabled\n{\"SchemaVersion\": 2, \"Results\": [")
	case answer == DBError:
		fmt.Fprintln(os.Stderr, "FATAL\tFatal error\tinit error: DB error: failed to download vulnerability DB: OCI artifact error: failed to download vulnerability DB: GET https://mirror.gcr.io/v2/aquasec/trivy-db/manifests/2: TOOMANYREQUESTS")
		return 1
	case answer == Denied:
		fmt.Fprintf(os.Stderr, "FATAL\tFatal error\trun error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: unable to find the specified image %q in [\"remote\"]: remote error: GET https://ghcr.io/token?scope=repository%%3Aacme%%2Fprivate%%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required\n", args[dash+1])
		return 1
	case answer == Huge:
		pad := strings.Repeat(" ", 1<<20)
		for range 40 {
			if _, err := fmt.Print(pad); err != nil {
				return 1
			}
		}
		fmt.Println(`{"SchemaVersion": 2}`)
	default:
		name, slow := strings.CutPrefix(answer, Slow)
		if slow {
			time.Sleep(300 * time.Millisecond)
		}
		report, err := recorded.ReadFile("testdata/" + name + ".json")
		if err != nil {
			fail("no recorded report " + name)
		}
		os.Stdout.Write(report)
	}
	return 0
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "vulnstest: "+msg)
	os.Exit(3)
}
