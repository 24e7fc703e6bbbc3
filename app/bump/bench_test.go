package bump

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/bump/bumptest"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/registry"
)

// BenchmarkPlanThousandRefs plans a thousand image references, spread over a
// hundred compose files and fifty images (a tenth pinned by digest), once the
// registry client has cached every answer: the target is under a
// second. One iteration is Extract and PlanUpdates.
func BenchmarkPlanThousandRefs(b *testing.B) {
	const images, files, perFile = 50, 100, 10
	tagSets := [][]string{bumptest.PostgresTags, bumptest.NginxTags, bumptest.TraefikTags}
	current := []string{"15.4-alpine3.19", "1.25", "v2.11.3"}
	repos := map[string][]string{}
	for i := range images {
		repos[fmt.Sprintf("library/img%02d", i)] = tagSets[i%len(tagSets)]
	}
	reg := bumptest.New(b, repos)
	snap := compose.MapSnapshot{}
	var names []string
	for f := range files {
		var c strings.Builder
		c.WriteString("services:\n")
		for s := range perFile {
			n := f*perFile + s
			img := n % images
			ref := fmt.Sprintf("%s/library/img%02d:%s", reg.Host, img, current[img%len(tagSets)])
			if n%10 == 0 {
				ref += "@" + reg.Digest(fmt.Sprintf("library/img%02d", img), current[img%len(tagSets)])
			}
			fmt.Fprintf(&c, "  svc%d:\n    image: %s # pinned\n", s, ref)
		}
		name := fmt.Sprintf("stack%03d/compose.yaml", f)
		snap[name] = []byte(c.String())
		names = append(names, name)
	}
	client, err := registry.New(registry.Options{AllowPrivate: []string{"127.0.0.1"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	plan := func() *Plan { return PlanUpdates(ctx, client, Extract(snap, names), Config{}) }
	warm := plan()
	if refs := len(Extract(snap, names).References); refs != files*perFile || len(warm.Skipped) != 0 {
		b.Fatalf("%d references, skipped %v", refs, warm.Skipped)
	}
	before := client.Requests()
	b.ReportAllocs()
	for b.Loop() {
		plan()
	}
	after := client.Requests()
	for kind, n := range after {
		if n != before[kind] {
			b.Fatalf("%s requests went from %d to %d with a warm cache", kind, before[kind], n)
		}
	}
	b.ReportMetric(float64(after[registry.KindTags])/images, "tag-lists/image")
	b.ReportMetric(float64(after[registry.KindDigest])/images, "digests/image")
}
