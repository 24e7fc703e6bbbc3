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
	cases := []struct {
		name            string
		delay, interval time.Duration
		done, total     int
		want            string
	}{
		{"every step", 0, 0, 3, 3, "\rauditing 1/3 files…\x1b[K\rauditing 2/3 files…\x1b[K\rauditing 3/3 files…\x1b[K\r\x1b[K"},
		{"redraws spaced out", 0, time.Hour, 2, 2, "\rauditing 1/2 files…\x1b[K\r\x1b[K"},
		// Work quicker than the delay shows nothing, not even the clearing.
		{"quick work", time.Hour, 0, 2, 2, ""},
	}
	for _, tc := range cases {
		progressDelay, progressInterval = tc.delay, tc.interval
		var term bytes.Buffer
		p := &progress{w: &term}
		p.start("auditing %d/%d files…", tc.total)
		for range tc.done {
			p.add()
		}
		p.clear()
		if term.String() != tc.want {
			t.Errorf("%s: the terminal shows %q\nwant %q", tc.name, term.String(), tc.want)
		}
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
	var out bytes.Buffer
	for name, b := range offTerminal(t, func(w *os.File) { run([]string{"audit", dir}, strings.NewReader(""), &out, w) }) {
		if len(b) != 0 {
			t.Errorf("stderr a %s: %q", name, b)
		}
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
