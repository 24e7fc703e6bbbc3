package main

import (
	"cmp"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sync"
	"testing"
)

// binaryDir holds the composeguard binary the tests build, removed when
// they end (TestMain).
var binaryDir string

var errNoGo = errors.New("no go command on PATH to build the server with")

// serverBinary builds composeguard once per test run, for every test that
// runs it as a process, with the Dockerfile's go build line (version
// "test"), except that cgo and -trimpath follow the test binary's own
// settings, so every package comes from the build cache the test run
// filled and only the link is new.
var serverBinary = sync.OnceValues(func() (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", errNoGo
	}
	docker, err := dockerfileBuild()
	if err != nil {
		return "", err
	}
	if binaryDir, err = os.MkdirTemp("", "composeguard-test-"); err != nil {
		return "", err
	}
	bin := filepath.Join(binaryDir, "composeguard")
	args := []string{"build", "-o", bin}
	for _, flag := range docker.flags {
		if flag != "-trimpath" {
			args = append(args, flag)
		}
	}
	if buildSetting("-trimpath") == "true" {
		args = append(args, "-trimpath")
	}
	build := exec.Command(goTool, append(args, ".")...)
	// The last value of a variable is the one used.
	build.Env = append(append(os.Environ(), docker.env...), "CGO_ENABLED="+cmp.Or(buildSetting("CGO_ENABLED"), "0"))
	if out, err := build.CombinedOutput(); err != nil {
		return "", errors.New("go build: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
})

// buildSetting is a setting the test binary was built with.
func buildSetting(key string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == key {
				return s.Value
			}
		}
	}
	return ""
}

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
