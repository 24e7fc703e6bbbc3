package pages

import (
	"bytes"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
)

func TestExcerpt(t *testing.T) {
	content := []byte("a\nb\r\nc\nd\ne\nf\n")
	for line, want := range map[int][]Line{
		1: {{1, "a"}, {2, "b"}, {3, "c"}},
		4: {{2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}, {6, "f"}},
		6: {{4, "d"}, {5, "e"}, {6, "f"}},
	} {
		if got := Excerpt(content, line); !reflect.DeepEqual(got, want) {
			t.Errorf("line %d: %v, want %v", line, got, want)
		}
	}
	long := Excerpt([]byte(strings.Repeat("é", 5000)), 1)
	if len(long) != 1 || len([]rune(long[0].Text)) != MaxLineRunes+1 {
		t.Errorf("a long line is cut to %d runes and an ellipsis: %d", MaxLineRunes, len([]rune(long[0].Text)))
	}
}

func TestReportLinks(t *testing.T) {
	public, _ := url.Parse("https://cg.example.com/x/")
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	links := NewLinks(public, bytes.Repeat([]byte{1}, KeySize))
	key := Key(forge.GitLab, "a-very/long/group/path/"+strings.Repeat("n", 100), strings.Repeat("f", 40))
	raw := links.Report(key, now)
	if len(raw) > 255 || !strings.HasPrefix(raw, "https://cg.example.com/x/report/"+key+"?") {
		t.Fatalf("link %q (%d characters; GitLab takes 255)", raw, len(raw))
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	check := func(l *Links, key, sig string, at time.Time) error { return l.Verify(key, q.Get("expires"), sig, at) }
	if err := check(links, key, q.Get("sig"), now.Add(LinkLifetime-time.Minute)); err != nil {
		t.Errorf("a fresh link: %v", err)
	}
	if err := check(links, key, q.Get("sig"), now.Add(LinkLifetime+time.Minute)); err != ErrExpired {
		t.Errorf("a link past its lifetime: %v", err)
	}
	other := Key(forge.GitHub, "o/r", "abc")
	if err := check(links, other, q.Get("sig"), now); err != ErrBadSignature {
		t.Errorf("another head's page with this signature: %v", err)
	}
	if err := links.Verify(key, q.Get("expires")+"0", q.Get("sig"), now); err != ErrBadSignature {
		t.Errorf("a lengthened expiry: %v", err)
	}
	if err := check(NewLinks(public, bytes.Repeat([]byte{2}, KeySize)), key, q.Get("sig"), now); err != ErrBadSignature {
		t.Errorf("a server with other secrets: %v", err)
	}
	if NewLinks(nil, bytes.Repeat([]byte{1}, KeySize)) != nil || NewLinks(public, nil) != nil || NewLinks(public, []byte("short")) != nil ||
		(*Links)(nil).Report(key, now) != "" {
		t.Error("without an address or a key of KeySize bytes there are no links")
	}
}
