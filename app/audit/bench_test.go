package audit

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"

	"github.com/sirupsen/logrus"
)

// corpusDir is ../shared/corpus beside the repository.
const corpusDir = "../../../shared/corpus"

// corpusSnapshot reads the shared corpus into memory, so the benchmark
// measures auditing rather than the disk.
func corpusSnapshot(b *testing.B) (compose.MapSnapshot, int64) {
	if _, err := os.Stat(corpusDir); err != nil {
		b.Skip("../shared/corpus is not beside the repository; the corpus benchmark needs it")
	}
	dir, err := compose.NewDirSnapshot(corpusDir)
	if err != nil {
		b.Fatal(err)
	}
	snap := compose.MapSnapshot{}
	var size int64
	for _, p := range dir.Paths() {
		content, err := dir.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		snap[p] = content
		if policy.Default().Selects(p) {
			size += int64(len(content))
		}
	}
	return snap, size
}

// BenchmarkAuditCorpus audits every compose file of the shared corpus; the
// metrics are per file.
func BenchmarkAuditCorpus(b *testing.B) {
	// As main does: compose-go's warnings would flood the output.
	logrus.SetOutput(io.Discard)
	snap, size := corpusSnapshot(b)
	pol := policy.Default()
	now := time.Now()
	files := 0
	b.ReportAllocs()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		files = Run(context.Background(), snap, pol, now).FilesAudited
	}
	b.StopTimer()
	b.ReportMetric(float64(files*b.N)/b.Elapsed().Seconds(), "files/s")
}
