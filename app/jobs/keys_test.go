package jobs

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pages"
)

// A report link one replica signed opens on another on the same database,
// whichever started first; a link signed with a key derived from the
// webhook secrets, which every project's maintainer may know, opens on none.
func TestReportLinksSignedByOneReplicaOpenOnAnother(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		var logs syncBuffer
		logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		public, _ := url.Parse("https://cg.example.com/")
		now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		links := make([]*pages.Links, 2)
		keys := make([][]byte, 2)
		queues := []*Queue{openQueueWith(t, db, Options{Logger: logger}), openQueueWith(t, db, Options{Logger: logger})}
		var wg sync.WaitGroup
		for i, q := range queues {
			wg.Go(func() {
				key, err := q.ReportLinkKey(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				keys[i], links[i] = key, pages.NewLinks(public, key)
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		if !bytes.Equal(keys[0], keys[1]) || links[1] == nil {
			t.Fatal("two replicas starting together keep different keys")
		}
		page := pages.Key(forge.GitLab, "group/other-project", "abc123")
		link, _ := url.Parse(links[0].Report(page, now))
		q := link.Query()
		if err := links[1].Verify(page, q.Get("expires"), q.Get("sig"), now); err != nil {
			t.Errorf("a link signed by one replica, checked by the other: %v", err)
		}

		// What a maintainer knowing the GitLab webhook secret could sign before.
		derived := hmac.New(sha256.New, []byte("composeguard report links v1"))
		derived.Write([]byte("13:gitlab-secret"))
		mac := hmac.New(sha256.New, derived.Sum(nil))
		mac.Write([]byte("report\x00" + page + "\x00" + q.Get("expires")))
		forged := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
		if err := links[1].Verify(page, q.Get("expires"), forged, now); err != pages.ErrBadSignature {
			t.Errorf("a link signed with a key derived from the webhook secret: %v, want refused", err)
		}

		for _, shown := range []string{hex.EncodeToString(keys[0]), base64.StdEncoding.EncodeToString(keys[0]),
			base64.RawURLEncoding.EncodeToString(keys[0]), string(keys[0])} {
			if bytes.Contains(logs.Bytes(), []byte(shown)) {
				t.Fatal("the key is in the log")
			}
		}
		if logs.Len() == 0 {
			t.Error("nothing logged: the test looked at nothing")
		}
	})
}

// syncBuffer is a buffer two queues log to at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *syncBuffer) Len() int { return len(b.Bytes()) }
