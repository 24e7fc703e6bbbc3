package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
)

// TestParallelAuditIsDeterministic: projects are audited on every CPU at
// once, finishing in any order, and the report is the same byte for byte
// whatever the number of CPUs and however they interleave: findings,
// waivers, inline exceptions, images and the score.
func TestParallelAuditIsDeterministic(t *testing.T) {
	snap := compose.MapSnapshot{}
	for i := range 60 {
		dir := fmt.Sprintf("stack%02d", i)
		snap[dir+"/compose.yaml"] = fmt.Appendf(nil, `x-base: &base
  restart: always
  privileged: %t
services:
  web:
    <<: *base
    # composeguard:ignore no-new-privileges-missing expires=2099-12-31 reason="stack %d"
    image: nginx:1.%d
    ports: ["%d:80"]
  db:
    <<: *base
    image: postgres:%d
    environment:
      POSTGRES_PASSWORD: hunter%d
`, i%3 == 0, i, i, 8000+i, 12+i%5, i)
		if i%4 == 0 {
			snap[dir+"/compose.override.yaml"] = fmt.Appendf(nil, "services:\n  web:\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n  cache%d:\n    image: redis:7\n", i)
		}
	}
	pol := policy.Default()
	g := Projects(snap, pol)
	audit := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		b, err := json.Marshal(RunProjects(context.Background(), snap, pol, g, now))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	one := audit(1)
	for _, procs := range []int{2, 8, 8} {
		if got := audit(procs); got != one {
			at := 0
			for at < min(len(got), len(one)) && got[at] == one[at] {
				at++
			}
			t.Fatalf("the report on %d CPUs differs from the report on one at byte %d:\n…%s…\nwant:\n…%s…",
				procs, at, got[max(0, at-300):min(len(got), at+300)], one[max(0, at-300):min(len(one), at+300)])
		}
	}
}
