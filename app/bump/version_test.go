package bump

import (
	"slices"
	"testing"
)

func TestParseTag(t *testing.T) {
	cases := []struct {
		name       string
		tag        string
		ok         bool
		prefix     string
		hasV       bool
		numbers    []uint64
		prerelease string
		suffix     string
	}{
		{"empty is not a version", "", false, "", false, nil, "", ""},
		{"short commit hash is not a version", "abc1234", false, "", false, nil, "", ""},
		{"full commit hash is not a version", "0123456789abcdef0123456789abcdef01234567", false, "", false, nil, "", ""},
		{"capital letter escapes the hash rule and reads as a prerelease", "0a1b2C3", true, "", false, []uint64{0}, "a1b2C3", ""},
		{"41 hex characters escape the hash rule", "0123456789abcdef0123456789abcdef012345678", true, "", false, []uint64{123456789}, "abcdef0123456789abcdef012345678", ""},
		{"all digits is a date not a hash", "20231012", true, "", false, []uint64{20231012}, "", ""},
		{"suffix after the first dash", "15.4-alpine3.19", true, "", false, []uint64{15, 4}, "", "alpine3.19"},
		{"suffix keeps later dashes", "1.27.1-alpine-slim", true, "", false, []uint64{1, 27, 1}, "", "alpine-slim"},
		{"suffix with an OS version", "1.27.0-alpine3.19", true, "", false, []uint64{1, 27, 0}, "", "alpine3.19"},
		{"debian suffix", "8.0.36-debian", true, "", false, []uint64{8, 0, 36}, "", "debian"},
		{"leading lowercase v", "v2.11.3", true, "", true, []uint64{2, 11, 3}, "", ""},
		{"two parts", "1.25", true, "", false, []uint64{1, 25}, "", ""},
		{"glued letters are a prerelease", "3.8.0b1-alpine", true, "", false, []uint64{3, 8, 0}, "b1", "alpine"},
		{"glued beta on a one-part tag", "17beta1", true, "", false, []uint64{17}, "beta1", ""},
		{"hyphenated rc is a suffix not a prerelease", "1.2.3-rc1", true, "", false, []uint64{1, 2, 3}, "", "rc1"},
		{"dotted date", "2024.05.01", true, "", false, []uint64{2024, 5, 1}, "", ""},
		{"linuxserver build suffix", "1.2.3-ls123", true, "", false, []uint64{1, 2, 3}, "", "ls123"},
		{"latest is not a version", "latest", false, "", false, nil, "", ""},
		{"stable is not a version", "stable", false, "", false, nil, "", ""},
		{"alpine is not a version", "alpine", false, "", false, nil, "", ""},
		{"bookworm-slim is not a version", "bookworm-slim", false, "", false, nil, "", ""},
		{"mainline-alpine is not a version", "mainline-alpine", false, "", false, nil, "", ""},
		{"capital V is not a version", "V1.2.3", false, "", false, nil, "", ""},
		{"plus build metadata is not a version", "1.2.3+build", false, "", false, nil, "", ""},
		{"sha-prefixed commit is not a version", "sha-abc1234", false, "", false, nil, "", ""},
		{"sha-prefixed all-digit commit is not a build number", "sha-1234567", false, "", false, nil, "", ""},
		{"os version glued to a word is not a version", "alpine3.20", false, "", false, nil, "", ""},
		{"dangling dash is not a version", "1.2.3-", false, "", false, nil, "", ""},
		{"trailing dot is not a version", "1.2.", false, "", false, nil, "", ""},
		{"number too large for 64 bits is not a version", "123456789012345678901", false, "", false, nil, "", ""},
		{"word prefix is read", "version-1.2.3", true, "version-", false, []uint64{1, 2, 3}, "", ""},
		{"word prefix with suffix", "python-3.8-slim", true, "python-", false, []uint64{3, 8}, "", "slim"},
		{"codename prefix on a date", "jammy-20240530", true, "jammy-", false, []uint64{20240530}, "", ""},
		{"word prefix before v", "release-v1.2.3", true, "release-", true, []uint64{1, 2, 3}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := ParseTag(tc.tag)
			if ok != tc.ok {
				t.Fatalf("ParseTag(%q) ok = %v, want %v (%+v)", tc.tag, ok, tc.ok, v)
			}
			if !ok {
				return
			}
			if v.Tag != tc.tag || v.Prefix != tc.prefix || v.HasV != tc.hasV || !slices.Equal(v.Numbers, tc.numbers) ||
				v.Prerelease != tc.prerelease || v.Suffix != tc.suffix {
				t.Errorf("ParseTag(%q) = %+v", tc.tag, v)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		want int
	}{
		{"numbers compare left to right as numbers", "1.10", "1.9", 1},
		{"first differing number decides", "2.0.0", "1.99.99", 1},
		{"shorter tag is greater when shared numbers are equal", "1.2", "1.2.0", 1},
		{"no prerelease beats a prerelease", "3.8.0", "3.8.0b1", 1},
		{"prereleases compare as text", "17rc1", "17beta2", 1},
		{"prereleases compare numbers as numbers unlike Renovate", "17beta10", "17beta9", 1},
		{"unsuffixed beats suffixed", "16.2", "16.2-alpine", 1},
		{"suffixes compare in reverse string order", "16.2-alpine", "16.2-bookworm", 1},
		{"numbers beat suffixes", "16.4-alpine", "16.2", 1},
		{"v never matters", "v2.11.3", "2.11.3", 0},
		{"leading zeros do not matter", "18.04", "18.4", 0},
		{"equal tags", "1.27.0-alpine3.19", "1.27.0-alpine3.19", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, okA := ParseTag(tc.a)
			b, okB := ParseTag(tc.b)
			if !okA || !okB {
				t.Fatalf("%q or %q does not parse", tc.a, tc.b)
			}
			if got := a.Compare(b); got != tc.want {
				t.Errorf("Compare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := b.Compare(a); got != -tc.want {
				t.Errorf("Compare(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
			}
		})
	}
}

func TestCompatible(t *testing.T) {
	cases := []struct {
		name               string
		current, candidate string
		want               bool
	}{
		{"same suffix and precision", "15.4-alpine3.19", "16.1-alpine3.19", true},
		{"different suffix", "15.4-alpine3.19", "15.6-alpine3.20", false},
		{"suffixed and unsuffixed", "16.2", "16.4-alpine", false},
		{"different precision", "3.15", "3.20.1", false},
		{"one-part and two-part", "16", "16.4", false},
		{"prerelease letters are not compared", "17beta1", "17", true},
		{"v prefix must match unlike Renovate", "v2.11.3", "2.11.5", false},
		{"v is never added", "2.11.3", "v2.11.4", false},
		{"word prefix must match", "version-1.2.3", "1.3.0", false},
		{"same word prefix", "version-1.2.3", "version-1.3.0", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			current, okC := ParseTag(tc.current)
			candidate, okN := ParseTag(tc.candidate)
			if !okC || !okN {
				t.Fatalf("%q or %q does not parse", tc.current, tc.candidate)
			}
			if got := Compatible(current, candidate); got != tc.want {
				t.Errorf("Compatible(%q, %q) = %v, want %v", tc.current, tc.candidate, got, tc.want)
			}
		})
	}
}

func TestParseTagsDropsNonVersionsAndSorts(t *testing.T) {
	got := ParseTags([]string{"latest", "16.4-alpine", "2.11.3", "16.2", "abc1234", "16.4", "v2.11.3", "17beta1", "16", "stable", "16.4.0"})
	var tags []string
	for _, v := range got {
		tags = append(tags, v.Tag)
	}
	want := []string{"2.11.3", "v2.11.3", "16.2", "16.4.0", "16.4-alpine", "16.4", "16", "17beta1"}
	if !slices.Equal(tags, want) {
		t.Errorf("ParseTags = %q, want %q", tags, want)
	}
}
