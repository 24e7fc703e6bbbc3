package registry

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// endlessTags serves a tag list of perPage generated tags a page, each page
// linking to the next, for ever; it counts the pages served.
func endlessTags(perPage int, pages *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/tags/list") {
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		pages.Add(1)
		tags := make([]string, perPage)
		for i := range tags {
			tags[i] = fmt.Sprintf("1.%d.%d", page, i)
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s?page=%d>; rel="next"`, r.URL.Path, page+1))
		fmt.Fprintf(w, `{"name":"x","tags":["%s"]}`, strings.Join(tags, `","`))
	})
}

// A registry answering with millions of tags took the server's heap past
// 400 MB: every answer is read within bounds, and beyond them the image is
// unknown, never a crash.
func TestMillionsOfTagsAreUnknownWithinBoundedMemory(t *testing.T) {
	ctx := context.Background()

	t.Run("one page of three million tags", func(t *testing.T) {
		chunk := []byte(strings.Repeat(`"v1.2.3-abcdef",`, 4096))
		huge := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/tags/list") {
				return
			}
			fmt.Fprint(w, `{"name":"x","tags":[`)
			for range 3_000_000 / 4096 {
				if _, err := w.Write(chunk); err != nil {
					return // the client stopped reading
				}
			}
			fmt.Fprint(w, `"last"]}`)
		})
		c := newClient(t, Options{Transport: hub(t, huge)})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tags, err := c.Tags(ctx, "docker.io/library/huge")
		runtime.ReadMemStats(&after)
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("allocated %d MiB while listing", allocated>>20)
		if le := failed(t, err, TooLarge); tags != nil ||
			le.Error() != "too large: docker.io/library/huge from index.docker.io (an answer is larger than 4 MiB, the most composeguard reads)" {
			t.Errorf("%d tags, %q", len(tags), le)
		}
		// The 48 MB body itself would not fit.
		if allocated > 32<<20 {
			t.Errorf("allocated %d MiB, want at most 32", allocated>>20)
		}
	})

	t.Run("pages of a thousand tags without end", func(t *testing.T) {
		var pages atomic.Int32
		c := newClient(t, Options{Transport: hub(t, endlessTags(1000, &pages))})
		_, err := c.Tags(ctx, "docker.io/library/endless")
		if le := failed(t, err, TooLarge); !strings.Contains(le.Error(), "(the registry lists more than 10000 tags, the most composeguard reads for an image)") {
			t.Errorf("%q", le)
		}
		if n := pages.Load(); n != MaxTags/1000+1 {
			t.Errorf("%d pages read, want %d", n, MaxTags/1000+1)
		}
	})

	t.Run("pages of one tag without end", func(t *testing.T) {
		var pages atomic.Int32
		c := newClient(t, Options{Transport: hub(t, endlessTags(1, &pages))})
		_, err := c.Tags(ctx, "docker.io/library/endless")
		if le := failed(t, err, TooLarge); !strings.Contains(le.Error(), "(the tag list runs past 100 pages, the most composeguard follows)") {
			t.Errorf("%q", le)
		}
		if n := pages.Load(); n != MaxTagPages {
			t.Errorf("%d pages read, want %d", n, MaxTagPages)
		}
	})

	t.Run("exactly the most tags is fine", func(t *testing.T) {
		f := newFake(t)
		tags := make([]string, MaxTags)
		for i := range tags {
			tags[i] = fmt.Sprintf("1.0.%d", i)
		}
		f.push("library/many", image(t, nil), "latest")
		var pages atomic.Int32
		list := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/tags/list") {
				f.reg.ServeHTTP(w, r)
				return
			}
			pages.Add(1)
			fmt.Fprintf(w, `{"name":"library/many","tags":["%s"]}`, strings.Join(tags, `","`))
		})
		c := newClient(t, Options{Transport: hub(t, list)})
		got, err := c.Tags(ctx, "docker.io/library/many")
		if err != nil || len(got) != MaxTags {
			t.Errorf("%d tags, %v", len(got), err)
		}
	})

	t.Run("a manifest or config beyond the bound", func(t *testing.T) {
		f := newFake(t)
		f.push("org/app", image(t, nil), "v1")
		padding := strings.Repeat(" ", MaxResponseBytes)
		fat := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/") {
				w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
				fmt.Fprint(w, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"`+padding+`}`)
				return
			}
			f.reg.ServeHTTP(w, r)
		})
		c := newClient(t, Options{Transport: hub(t, fat)})
		_, err := c.SourceURL(ctx, "ghcr.io/org/app", "v1")
		if le := failed(t, err, TooLarge); !strings.Contains(le.Error(), "larger than 4 MiB") {
			t.Errorf("%q", le)
		}
	})
}
