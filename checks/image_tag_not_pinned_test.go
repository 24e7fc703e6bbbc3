package checks

import (
	"strings"
	"testing"
)

func TestImageTagNotPinned(t *testing.T) {
	sha := "sha256:" + strings.Repeat("ab", 32)
	svc := func(image string) string { return "services:\n  web:\n    image: " + image + "\n" }
	runCases(t, "image-tag-not-pinned", []ruleCase{
		{"no tag", svc("nginx"), []string{"web@3 high"}},
		{"latest", svc("nginx:latest"), []string{"web@3 high"}},
		{"other mutable tags", svc("ghcr.io/org/app:stable"), []string{"web@3 high"}},
		{"mutable tag in any case", svc("nginx:LTS"), []string{"web@3 high"}},
		{"port is not a tag", svc("registry:5000/app"), []string{"web@3 high"}},
		{"port and latest", svc("registry:5000/app:latest"), []string{"web@3 high"}},
		{"localhost registry", svc("localhost/app"), []string{"web@3 high"}},
		{"quoted", svc(`"nginx:edge"`), []string{"web@3 high"}},
		{"interpolated default latest", svc("nginx:${TAG:-latest}"), []string{"web@3 high"}},
		{"interpolated default without tag", svc("${IMAGE:-nginx}"), []string{"web@3 high"}},
		{"unknown tag variable", svc("nginx:${TAG}"), []string{"web@3 info"}},
		{"unknown whole image", svc("${IMAGE}"), []string{"web@3 info"}},
		{"unknown name suffix may carry the tag", svc("nginx${SUFFIX}"), []string{"web@3 info"}},
		{"unknown registry cannot add a tag", svc("${REGISTRY}/app"), []string{"web@3 high"}},
		{"unknown registry with pinned tag", svc("${REGISTRY}/app:1.2.3"), nil},
		{"unknown registry port", svc("registry:${PORT}/app:1.2.3"), []string{"web@3 info"}},
		{"uppercase is rejected by Docker", svc("Nginx:1.27"), []string{"web@3 high"}},
		{"version tag", svc("nginx:1.27.3"), nil},
		{"registry port and version", svc("registry:5000/app:2.1"), nil},
		{"digest only", svc("nginx@" + sha), nil},
		{"latest with digest", svc("nginx:latest@" + sha), nil},
		{"tag containing a mutable word", svc("nginx:1.27-stable"), nil},
		{"a tag naming no version floats", svc("postgres:alpine"), []string{"web@3 high"}},
		{"nginx mainline floats", svc("nginx:mainline"), []string{"web@3 high"}},
		{"a flavour alone floats", svc("nextcloud:apache"), []string{"web@3 high"}},
		{"a branch tag floats", svc("lscr.io/linuxserver/readarr:develop"), []string{"web@3 high"}},
		{"main floats", svc("ghcr.io/org/app:main"), []string{"web@3 high"}},
		{"two words without a version float", svc("nginx:stable-alpine"), []string{"web@3 high"}},
		{"the base image's version is not the image's", svc("nginx:mainline-alpine3.20"), []string{"web@3 high"}},
		{"alpine version alone floats", svc("nginx:alpine3.20"), []string{"web@3 high"}},
		{"an architecture alone floats", svc("app:linux-x86_64"), []string{"web@3 high"}},
		{"latest at the end floats", svc("ghcr.io/org/app:develop-latest"), []string{"web@3 high"}},
		{"latest at the start floats", svc("ghcr.io/org/app:latest-arm64"), []string{"web@3 high"}},
		{"codename on another image floats", svc("node:bookworm"), []string{"web@3 high"}},
		{"version with flavour is pinned", svc("postgres:16-alpine"), nil},
		{"version with base image and architecture is pinned", svc("python:3.12-slim-bookworm"), nil},
		{"major version is pinned", svc("postgres:16"), nil},
		{"commit tag is pinned", svc("ghcr.io/org/app:5cdea51"), nil},
		{"a distribution's codename is its version", svc("debian:bookworm-slim"), nil},
		{"ubuntu codename", svc("ubuntu:jammy"), nil},
		{"interpolated pinned default", svc("nginx:${TAG:-1.27}"), nil},
		{"build only is out of scope", "services:\n  web:\n    build: .\n", nil},
		{"from anchor", "x-img: &img nginx:latest\nservices:\n  a:\n    image: *img\n  b:\n    image: *img\n", []string{"a@1 high"}},
	})
}

func TestImageTagNotPinnedFiles(t *testing.T) {
	opts := DefaultOptions()
	// a policy can call a tag with a version in it moving too
	opts.MutableTags = []string{"v2"}
	got := summarize(runRuleFiles(t, "image-tag-not-pinned", opts, map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: app:latest\n  api:\n    image: app:v2\n  job:\n    image: app:v3\n  db:\n    image: postgres:${PG}\n",
		"compose.override.yaml": "services:\n  web:\n    image: app:v2\n",
		".env":                  "PG=16\n",
	}))
	// the override's image wins and is reported where it is written; the
	// .env value pins db
	if want := "web@3 high, api@5 high"; strings.Join(got, ", ") != want {
		t.Errorf("findings = %v, want %v", got, want)
	}
}
