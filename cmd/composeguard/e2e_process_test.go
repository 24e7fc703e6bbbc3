package main

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// child is one `composeguard serve` process.
type child struct {
	cmd     *exec.Cmd
	url     string
	replica string // its River client id, which river_job.attempted_by records
	logs    *logBuffer
	done    chan struct{}
}

func startChild(t testing.TB, bin string, env map[string]string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(bin, "serve"), logs: &logBuffer{}, done: make(chan struct{})}
	for k, v := range env {
		c.cmd.Env = append(c.cmd.Env, k+"="+v)
	}
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("server %d log:\n%s", c.cmd.Process.Pid, tail(c.logs.String(), 30))
		}
	})
	c.url = c.logs.address(t)
	for line := range strings.Lines(c.logs.String()) {
		var entry struct{ Msg, Replica string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
			c.replica = entry.Replica
		}
	}
	return c
}

// sendAll delivers each in turn, pausing between them, until one is not
// answered; it returns those acknowledged: accepted, or recognised as seen
// when an earlier answer was lost with the process.
func (c *child) sendAll(deliveries []delivery, pause time.Duration) []delivery {
	var acked []delivery
	for _, d := range deliveries {
		code, err := tryDeliver(c.url, d.event, d.id, signE2E(d.body), d.body)
		if err != nil {
			return acked
		}
		if code == http.StatusAccepted || code == http.StatusOK {
			acked = append(acked, d)
		}
		time.Sleep(pause)
	}
	return acked
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// stop sends SIGTERM and returns the exit code.
func (c *child) stop(t *testing.T) int {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
		return c.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		t.Fatal("SIGTERM did not stop the server")
		return -1
	}
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// delivery is one webhook delivery GitHub makes.
type delivery struct {
	id, event string
	body      []byte
}

// unacknowledged returns the deliveries not acknowledged yet.
func unacknowledged(all []delivery, acknowledged map[string]bool) []delivery {
	var out []delivery
	for _, d := range all {
		if !acknowledged[d.id] {
			out = append(out, d)
		}
	}
	return out
}
