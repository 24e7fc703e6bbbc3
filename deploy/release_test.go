package deploy

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow the release test reads.
type workflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]job    `yaml:"jobs"`
}

type job struct {
	Needs       any               `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	ID   string            `yaml:"id"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

// find returns the job's step that uses action (owner/name, any version)
// and its index, -1 when there is none.
func (j job) find(action string) (step, int) {
	for i, s := range j.Steps {
		if strings.HasPrefix(s.Uses, action+"@") {
			return s, i
		}
	}
	return step{}, -1
}

// TestReleaseWorkflowPublishesWhatDeployRuns: a version tag builds the
// repository's Dockerfile, after the tests, and pushes the image under the
// name and tag deploy/compose.yaml runs.
func TestReleaseWorkflowPublishesWhatDeployRuns(t *testing.T) {
	var w workflow
	if err := yaml.Unmarshal([]byte(read(t, "../.github/workflows/release.yml")), &w); err != nil {
		t.Fatal(err)
	}
	expand := func(s string) string {
		return regexp.MustCompile(`\$\{\{ env\.(\w+) \}\}`).ReplaceAllStringFunc(s, func(ref string) string {
			return w.Env[strings.TrimSuffix(strings.TrimPrefix(ref, "${{ env."), " }}")]
		})
	}

	repository, tag, _ := strings.Cut(composeImage(t), ":")
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(tag) {
		t.Errorf("compose.yaml runs the tag %q, not a version the workflow publishes (1.2.3)", tag)
	}
	if !slices.ContainsFunc(w.On.Push.Tags, func(p string) bool { ok, _ := path.Match(p, "v"+tag); return ok }) {
		t.Errorf("pushing the tag v%s does not run the workflow (tags %v)", tag, w.On.Push.Tags)
	}

	image, ok := w.Jobs["image"]
	if !ok {
		t.Fatal("the workflow has no job named image")
	}
	meta, _ := image.find("docker/metadata-action")
	if got := expand(meta.With["images"]); got != repository {
		t.Errorf("the workflow names the image %q, compose.yaml runs %q", got, repository)
	}
	// v1.2.3 becomes 1.2.3, the form compose.yaml pins.
	if !slices.Contains(strings.Fields(meta.With["tags"]), "type=semver,pattern={{version}}") {
		t.Errorf("the image is not tagged with the version: %q", meta.With["tags"])
	}
	login, _ := image.find("docker/login-action")
	if registry, _, _ := strings.Cut(repository, "/"); login.With["registry"] != registry || image.Permissions["packages"] != "write" {
		t.Errorf("the job logs in to %q with packages %q; it pushes to %s", login.With["registry"], image.Permissions["packages"], registry)
	}

	build, at := image.find("docker/build-push-action")
	if at < 0 {
		t.Fatal("the image job builds with no docker/build-push-action")
	}
	outputs := "${{ steps." + meta.ID + ".outputs."
	if meta.ID == "" || build.With["tags"] != outputs+"tags }}" || build.With["push"] != "true" {
		t.Errorf("build-push-action pushes %q (push %q), not the metadata step's tags", build.With["tags"], build.With["push"])
	}
	if build.With["context"] != "." || build.With["file"] != "./Dockerfile" {
		t.Errorf("build-push-action builds %q in %q, not the repository's Dockerfile", build.With["file"], build.With["context"])
	}
	dockerfile := read(t, "../Dockerfile")
	// The version the binary reports is the tag's: the Dockerfile's go build
	// (which cmd/composeguard/build_test.go runs) writes VERSION into it.
	if !strings.Contains(build.With["build-args"], "VERSION="+outputs+"version }}") ||
		!regexp.MustCompile(`(?m)^ARG VERSION=`).MatchString(dockerfile) || !strings.Contains(dockerfile, "-X main.version=${VERSION}") {
		t.Errorf("build-args %q do not set the Dockerfile's VERSION to the tag's version", build.With["build-args"])
	}
	// More than one platform is cross-compiled by the builder's Go, not emulated.
	if platforms := strings.Split(build.With["platforms"], ","); len(platforms) > 1 &&
		(!strings.Contains(dockerfile, "FROM --platform=$BUILDPLATFORM golang:") || !strings.Contains(dockerfile, "GOOS=$TARGETOS GOARCH=$TARGETARCH go build")) {
		t.Errorf("%d platforms, but the Dockerfile does not cross-compile for the target", len(platforms))
	}
	if _, buildx := image.find("docker/setup-buildx-action"); buildx < 0 || buildx > at {
		t.Error("buildx is not set up before the build")
	}

	// Nothing is published that did not pass the tests, run by .ci/run with
	// go.mod's Go, as the Dockerfile builds with (build_test.go).
	if image.Needs != "test" {
		t.Errorf("the image job needs %v, want the test job", image.Needs)
	}
	test := w.Jobs["test"]
	setup, _ := test.find("actions/setup-go")
	if setup.With["go-version-file"] != "go.mod" || !slices.ContainsFunc(test.Steps, func(s step) bool { return s.Run == ".ci/run" }) {
		t.Errorf("the test job does not run .ci/run with go.mod's Go: %+v", test.Steps)
	}
}
