package bump

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

var (
	postgresTags = []string{
		"latest", "alpine", "bookworm", "alpine3.20", "9.6", "9.6.24", "15", "15.7", "15.8", "15.8-alpine",
		"15.8-alpine3.20", "16", "16.2", "16.2-alpine", "16.2-alpine3.19", "16.3", "16.3-alpine3.19",
		"16.3-alpine3.20", "16.4", "16.4-alpine", "16.4-alpine3.20", "16.4-bookworm", "17beta1", "17beta2",
		"17rc1", "17beta1-alpine",
	}
	nginxTags = []string{
		"latest", "stable", "mainline", "alpine", "mainline-alpine", "stable-alpine", "stable-alpine-perl", "1",
		"1.25", "1.26", "1.26.0", "1.26.2", "1.26-alpine", "1.26.2-alpine", "1.27", "1.27.0", "1.27.1",
		"1.27-alpine", "1.27.0-alpine", "1.27.1-alpine", "1.27.1-alpine-slim", "1.27.1-perl",
	}
	traefikTags = []string{
		"latest", "2", "3", "3.1", "v3", "v3.0", "v3.0.4", "v3.1", "v3.1.0", "v3.1.2", "3.1.2", "3.1.3",
		"v3.2.0-rc1", "v3.2.0-rc2", "v2.11", "v2.11.3", "v2.11.4", "2.11.5",
		"v2.11.4-windowsservercore-ltsc2022",
	}
	alpineTags = []string{
		"latest", "edge", "3", "3.15", "3.19", "3.19.1", "3.20", "3.20.1", "3.20.3", "20210804", "20240329", "20240606",
	}
	dateTags = []string{
		"latest", "2024.05.01", "2024.06.15", "2025.01.10", "20240501", "20240601", "0.118.5", "2020.12.0",
	}
	linuxserverTags = []string{
		"latest", "version-1.2.3", "version-1.2.4", "version-1.3.0", "1.2.3-ls123", "1.2.3-ls124", "1.2.4-ls125",
		"1.3.0-ls130", "1.3.0-ls131", "arm64v8-1.3.0-ls131",
	}
	dotnetTags = []string{
		"8.0.300-alpine3.18-amd64", "8.0.301-alpine3.19-amd64", "8.0.301-alpine3.20-amd64",
		"8.0.301-alpine3.20-arm64v8", "8.0.302-jammy-amd64", "8.0.299-alpine3.21-amd64", "9.0.100-alpine3.20-amd64",
	}
)

// choices writes wanted results compactly: "minor 16.4-alpine".
func choices(s ...string) []Choice {
	var out []Choice
	for _, c := range s {
		kind, tag, _ := strings.Cut(c, " ")
		out = append(out, Choice{Tag: tag, Type: UpdateType(kind)})
	}
	return out
}

func TestChooseUpdates(t *testing.T) {
	cases := []struct {
		name    string
		current string
		tags    []string
		opts    SelectOptions
		want    []Choice
	}{
		// Renovate's worked examples of docker versioning.
		{"example suffix must match exactly", "15.4-alpine3.19",
			[]string{"15.4-alpine3.19", "15.5-alpine3.19", "15.6-alpine3.20", "16.1-alpine3.19", "16.2-alpine3.20"}, SelectOptions{},
			choices("minor 15.5-alpine3.19", "major 16.1-alpine3.19")},
		{"example nginx two-part tag moves to two-part tag", "1.25",
			[]string{"1.26.0", "1.27", "1.27.1", "1.27-alpine", "mainline"}, SelectOptions{},
			choices("minor 1.27")},
		{"example node newest non-major and newest major", "8.1",
			[]string{"8.2.5", "8.2", "9.0", "9"}, SelectOptions{},
			choices("minor 8.2", "major 9.0")},
		{"example traefik keeps v unlike Renovate", "v2.11.3",
			[]string{"v2.11.4", "2.11.5"}, SelectOptions{},
			choices("patch v2.11.4")},
		{"example alpine date tag needs opt-in unlike Renovate", "3",
			[]string{"3", "20230329"}, SelectOptions{},
			nil},

		// Renovate's lookup pipeline, step by step.
		{"latest gets only a digest refresh", "latest", postgresTags, SelectOptions{}, choices("digest latest")},
		{"stable gets only a digest refresh", "stable", nginxTags, SelectOptions{}, choices("digest stable")},
		{"codename gets only a digest refresh", "bookworm", postgresTags, SelectOptions{}, choices("digest bookworm")},
		{"bare variant gets only a digest refresh", "alpine", postgresTags, SelectOptions{}, choices("digest alpine")},
		{"commit hash gets only a digest refresh", "abc1234", []string{"abc1234", "def5678"}, SelectOptions{}, choices("digest abc1234")},
		{"digest refresh respects allowed types", "latest", postgresTags,
			SelectOptions{AllowedTypes: []UpdateType{UpdatePatch, UpdateMinor}}, nil},
		{"non-version tags in the list are never chosen", "1.26", nginxTags, SelectOptions{}, choices("minor 1.27")},
		{"current tag need not be listed", "16.3-alpine", postgresTags, SelectOptions{}, choices("minor 16.4-alpine")},
		{"only greater tags", "16.4", postgresTags, SelectOptions{}, nil},
		{"prereleases skipped when current is stable", "16", postgresTags, SelectOptions{}, nil},
		{"prerelease of the same version offered to a prerelease", "17beta1", postgresTags, SelectOptions{}, choices("patch 17rc1")},
		{"prerelease moves to stable and to a stable major but no other major's prerelease", "17beta1",
			[]string{"17beta1", "17beta2", "17", "18beta1", "18"}, SelectOptions{},
			choices("patch 17", "major 18")},
		{"glued beta is a patch on the way to its release", "3.8.0b1",
			[]string{"3.7.4", "3.8.0b1", "3.8.0b2", "3.8.0"}, SelectOptions{},
			choices("patch 3.8.0")},
		{"suffix must match", "16.2-alpine", postgresTags, SelectOptions{}, choices("minor 16.4-alpine")},
		{"unsuffixed stays unsuffixed", "1.26.0", nginxTags, SelectOptions{}, choices("minor 1.27.1")},
		{"hyphenated rc is a suffix so stable never moves to it", "v3.1.0", traefikTags, SelectOptions{}, choices("patch v3.1.2")},
		{"hyphenated rc is a suffix so an rc never moves to the release", "v3.2.0-rc1",
			[]string{"v3.2.0-rc1", "v3.2.0-rc2", "v3.2.0"}, SelectOptions{}, nil},
		{"same major different minor is non-major", "16.2", postgresTags, SelectOptions{}, choices("minor 16.4")},
		{"one major update with the newest major", "9.6", postgresTags, SelectOptions{}, choices("major 16.4")},
		{"newest tag of each bucket, non-major first", "15.7", postgresTags, SelectOptions{}, choices("minor 15.8", "major 16.4")},
		{"patch when major and minor stay", "1.26.0", []string{"1.26.0", "1.26.2"}, SelectOptions{}, choices("patch 1.26.2")},
		{"tag is written verbatim with its suffix", "1.26-alpine", nginxTags, SelectOptions{}, choices("minor 1.27-alpine")},
		{"never proposes a downgrade when current is newer than the registry", "16.5", postgresTags, SelectOptions{}, nil},
		{"a tag equal to the current one is not an update", "18.04", []string{"18.4", "18.04"}, SelectOptions{}, nil},

		// What users of Renovate and Dependabot complain about.
		{"OS version in suffix stays put by default", "8.0.300-alpine3.18-amd64", dotnetTags, SelectOptions{}, nil},
		{"OS version in suffix advances when allowed", "8.0.300-alpine3.18-amd64", dotnetTags,
			SelectOptions{AllowSuffixAdvance: true},
			choices("patch 8.0.301-alpine3.20-amd64", "major 9.0.100-alpine3.20-amd64")},
		{"suffix advance never moves the OS version back", "8.0.300-alpine3.20-amd64",
			[]string{"8.0.301-alpine3.19-amd64"}, SelectOptions{AllowSuffixAdvance: true}, nil},
		{"suffix advance alone is a patch", "16.3-alpine3.19", []string{"16.3-alpine3.20"},
			SelectOptions{AllowSuffixAdvance: true}, choices("patch 16.3-alpine3.20")},
		{"suffix advance keeps the words", "16.2-alpine3.19", postgresTags,
			SelectOptions{AllowSuffixAdvance: true}, choices("minor 16.4-alpine3.20")},
		{"suffix advance moves a hyphenated rc to the next rc but not to the release", "v3.2.0-rc1",
			[]string{"v3.2.0-rc1", "v3.2.0-rc2", "v3.2.0"}, SelectOptions{AllowSuffixAdvance: true}, choices("patch v3.2.0-rc2")},
		{"suffix advance does not reach a hyphenated rc from stable", "v3.1.0", traefikTags,
			SelectOptions{AllowSuffixAdvance: true}, choices("patch v3.1.2")},
		{"linuxserver build suffix stays put by default", "1.2.3-ls123", linuxserverTags, SelectOptions{}, nil},
		{"linuxserver build suffix advances when allowed", "1.2.3-ls123", linuxserverTags,
			SelectOptions{AllowSuffixAdvance: true}, choices("minor 1.3.0-ls131")},
		{"v prefix is never dropped", "v2.11.3", traefikTags, SelectOptions{}, choices("patch v2.11.4", "major v3.1.2")},
		{"v prefix is never added", "2.11.5", traefikTags, SelectOptions{}, choices("major 3.1.3")},
		{"precision is kept so 3.15 moves to 3.20 not 3.20.3", "3.15", alpineTags, SelectOptions{}, choices("minor 3.20")},
		{"three-part tag moves to three-part tag", "3.19.1", alpineTags, SelectOptions{}, choices("minor 3.20.3")},
		{"never a less precise tag unlike Dependabot", "4.0.13-24-trixie",
			[]string{"4-22-trixie", "4.0.14-24-trixie"}, SelectOptions{AllowSuffixAdvance: true}, choices("patch 4.0.14-24-trixie")},
		{"semver never jumps to a date tag", "3", alpineTags, SelectOptions{}, nil},
		{"semver jumps to a date tag when allowed", "3", alpineTags,
			SelectOptions{AllowSemverToDate: true}, choices("major 20240606")},
		{"semver never jumps to a calendar version", "0.118.5", dateTags, SelectOptions{}, nil},
		{"semver to calendar version when allowed", "0.118.5", dateTags,
			SelectOptions{AllowSemverToDate: true}, choices("major 2025.01.10")},
		{"date tags move among date tags as majors", "20240329", alpineTags, SelectOptions{}, choices("major 20240606")},
		{"compact date moves to compact date", "20240501", dateTags, SelectOptions{}, choices("major 20240601")},
		{"dotted date moves by month and by year", "2024.05.01", dateTags, SelectOptions{},
			choices("minor 2024.06.15", "major 2025.01.10")},
		{"word-prefixed tag is not a version by default", "version-1.2.3", linuxserverTags,
			SelectOptions{}, choices("digest version-1.2.3")},
		{"word-prefixed tag moves within its prefix when allowed", "version-1.2.3", linuxserverTags,
			SelectOptions{AllowWordPrefix: true}, choices("minor version-1.3.0")},
		{"python prefix when allowed", "python-3.8",
			[]string{"python-3.8", "python-3.12", "python-3.12-slim", "3.13"}, SelectOptions{AllowWordPrefix: true},
			choices("minor python-3.12")},
		{"words without a number stay non-versions", "mainline-alpine", nginxTags,
			SelectOptions{AllowWordPrefix: true}, choices("digest mainline-alpine")},
		{"commit-suffixed versions stay put", "1.2.3-abc1234",
			[]string{"1.2.3-abc1234", "1.2.4-def5678"}, SelectOptions{AllowSuffixAdvance: true}, nil},
		{"beta is not an upgrade for a stable tag", "3.7.4",
			[]string{"3.7.4", "3.7.5", "3.8.0b1"}, SelectOptions{}, choices("patch 3.7.5")},
		{"prerelease numbers compare as numbers", "17beta9",
			[]string{"17beta9", "17beta10"}, SelectOptions{}, choices("patch 17beta10")},

		// Options.
		{"allowed patch picks the newest patch unlike Renovate's disabled bucket", "1.26.0", nginxTags,
			SelectOptions{AllowedTypes: []UpdateType{UpdatePatch}}, choices("patch 1.26.2")},
		{"allowed patch and minor drops the major", "v2.11.3", traefikTags,
			SelectOptions{AllowedTypes: []UpdateType{UpdatePatch, UpdateMinor}}, choices("patch v2.11.4")},
		{"allowed major only", "15.7", postgresTags,
			SelectOptions{AllowedTypes: []UpdateType{UpdateMajor}}, choices("major 16.4")},
		{"ignored exact tag falls back to the next newest", "1.26.0", nginxTags,
			SelectOptions{IgnoreTags: []string{"1.27.1"}}, choices("minor 1.27.0")},
		{"ignored glob", "1.26.0", nginxTags,
			SelectOptions{IgnoreTags: []string{"1.27.*"}}, choices("patch 1.26.2")},
		{"ignored glob on a major", "15.7", postgresTags,
			SelectOptions{IgnoreTags: []string{"16*"}}, choices("minor 15.8")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.opts.Validate(); err != nil {
				t.Fatal(err)
			}
			got := ChooseUpdates(tc.current, ParseTags(tc.tags), tc.opts)
			if !slices.Equal(got, tc.want) {
				t.Errorf("ChooseUpdates(%q) = %+v, want %+v", tc.current, got, tc.want)
			}
		})
	}
}

func TestValidateReportsUnknownTypesAndBadGlobs(t *testing.T) {
	opts := SelectOptions{AllowedTypes: []UpdateType{UpdatePatch, "minr"}, IgnoreTags: []string{"16.*", "[16"}}
	err := opts.Validate()
	if err == nil || !strings.Contains(err.Error(), `"minr"`) || !strings.Contains(err.Error(), `"[16"`) || strings.Contains(err.Error(), `"16.*"`) {
		t.Errorf("Validate() = %v", err)
	}
}

// benchmarkTags is a postgres-like list of about a thousand tags.
func benchmarkTags() []string {
	tags := []string{"latest", "alpine", "bookworm", "bullseye", "alpine3.19", "alpine3.20"}
	variants := []string{"", "-alpine", "-alpine3.19", "-alpine3.20", "-bookworm", "-bullseye"}
	for major := 9; major <= 17; major++ {
		for _, variant := range variants {
			tags = append(tags, fmt.Sprintf("%d%s", major, variant))
			for minor := 0; minor <= 18; minor++ {
				tags = append(tags, fmt.Sprintf("%d.%d%s", major, minor, variant))
			}
		}
	}
	return tags
}

func BenchmarkParseTags(b *testing.B) {
	tags := benchmarkTags()
	b.ReportMetric(float64(len(tags)), "tags")
	for b.Loop() {
		ParseTags(tags)
	}
}

// BenchmarkChooseUpdates plans one reference per operation against a cached
// list of about a thousand tags; the oldest current tags scan the whole list.
func BenchmarkChooseUpdates(b *testing.B) {
	available := ParseTags(benchmarkTags())
	currents := []string{"9.0", "9.0-alpine3.19", "12.5-bookworm", "16.1", "15-alpine", "latest"}
	for _, bench := range []struct {
		name string
		opts SelectOptions
	}{
		{"defaults", SelectOptions{}},
		{"suffix advance and ignores", SelectOptions{AllowSuffixAdvance: true, IgnoreTags: []string{"17.*", "*-rc*"}}},
	} {
		b.Run(bench.name, func(b *testing.B) {
			b.ReportMetric(float64(len(available)), "tags")
			i := 0
			for b.Loop() {
				ChooseUpdates(currents[i%len(currents)], available, bench.opts)
				i++
			}
		})
	}
}
