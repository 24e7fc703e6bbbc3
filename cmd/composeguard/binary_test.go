package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binaryDir holds the composeguard binary the tests build, removed when
// they end (TestMain).
var binaryDir string

var errNoGo = errors.New("no go command on PATH to build the server with")

// serverBinary builds composeguard once per test run, the way the
// Dockerfile does (static, -trimpath, version "test"), for every test that
// runs it as a process.
var serverBinary = sync.OnceValues(func() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", errNoGo
	}
	if binaryDir, err = os.MkdirTemp("", "composeguard-test-"); err != nil {
		return "", err
	}
	bin := filepath.Join(binaryDir, "composeguard")
	build := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w -X main.version=test", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", errors.New("go build: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
})

// buildServer returns the composeguard binary, built at the first call.
func buildServer(t testing.TB) string {
	t.Helper()
	bin, err := serverBinary()
	if errors.Is(err, errNoGo) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
