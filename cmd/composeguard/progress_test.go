package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/bump/bumptest"
)

// quickProgress draws every step at once, as if the work were long.
func quickProgress(t *testing.T) {
	delay, interval := progressDelay, progressInterval
	progressDelay, progressInterval = 0, 0
	t.Cleanup(func() { progressDelay, progressInterval = delay, interval })
}

func TestProgressLine(t *testing.T) {
	quickProgress(t)
	var term bytes.Buffer
	p := &progress{w: &term}
	p.start("auditing %d/%d files…", 3)
	for range 3 {
		p.add()
	}
	p.clear()
	want := "\rauditing 1/3 files…\x1b[K\rauditing 2/3 files…\x1b[K\rauditing 3/3 files…\x1b[K\r\x1b[K"
	if term.String() != want {
		t.Errorf("terminal got %q\nwant %q", term.String(), want)
	}

	// Redraws are spaced out, and work quicker than the delay shows nothing,
	// not even the clearing.
	progressInterval = time.Hour
	term.Reset()
	p.start("looking up %d/%d images…", 2)
	p.add()
	p.add()
	p.clear()
	if want := "\rlooking up 1/2 images…\x1b[K\r\x1b[K"; term.String() != want {
		t.Errorf("spaced redraws: %q, want %q", term.String(), want)
	}
	progressDelay = time.Hour
	term.Reset()
	p.start("auditing %d/%d files…", 2)
	p.add()
	p.clear()
	if term.Len() != 0 {
		t.Errorf("quick work drew %q", term.String())
	}
}

// Off the terminal nothing extra reaches stderr: a buffer, a file, a pipe.
func TestProgressNeverOffATerminal(t *testing.T) {
	quickProgress(t)
	t.Setenv("CI", "")
	dir := repo(t, privileged)
	if code, _, errOut := cli(t, "", "audit", dir); code != 1 || errOut != "" {
		t.Errorf("stderr a buffer: exit %d, stderr %q", code, errOut)
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	run([]string{"audit", dir}, strings.NewReader(""), &out, f)
	run([]string{"audit", dir}, strings.NewReader(""), &out, w)
	w.Close()
	var piped bytes.Buffer
	if _, err := piped.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 0 || piped.Len() != 0 {
		t.Errorf("stderr a file: %q; a pipe: %q", written, piped.String())
	}
}

// On a terminal the audit and bump show their progress and clear it; under
// CI, or on a terminal that cannot erase, they do not.
func TestProgressOnATerminal(t *testing.T) {
	quickProgress(t)
	t.Setenv("CI", "")
	t.Setenv("TERM", "xterm-256color")
	dir := repo(t, privileged)
	reg := bumptest.New(t, map[string][]string{"library/nginx": bumptest.NginxTags, "library/postgres": bumptest.PostgresTags})
	registryEnv(t, "docker.io="+reg.Host)
	tty := openTerminal(t)
	var out bytes.Buffer
	if code := run([]string{"audit", dir}, strings.NewReader(""), &out, tty.slave); code != 1 {
		t.Fatalf("audit exit %d", code)
	}
	if got, want := tty.read(t), "\rauditing 1/1 files…\x1b[K\r\x1b[K"; got != want {
		t.Errorf("audit on a terminal: %q, want %q", got, want)
	}
	if strings.Contains(out.String(), "auditing") {
		t.Errorf("progress reached stdout:\n%s", out.String())
	}
	if code := run([]string{"bump", "--dry-run", dir}, strings.NewReader(""), &out, tty.slave); code != 1 {
		t.Fatalf("bump exit %d", code)
	}
	if got, want := tty.read(t), "\rlooking up 1/2 images…\x1b[K\rlooking up 2/2 images…\x1b[K\r\x1b[K"; got != want {
		t.Errorf("bump on a terminal: %q, want %q", got, want)
	}
	for _, env := range [][2]string{{"CI", "true"}, {"TERM", "dumb"}} {
		t.Setenv(env[0], env[1])
		run([]string{"audit", dir}, strings.NewReader(""), &out, tty.slave)
		if got := tty.read(t); got != "" {
			t.Errorf("%s=%s: %q on the terminal", env[0], env[1], got)
		}
	}
}
