package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/composeguard/composeguard/app/logging"
)

// TestLinesCarryTheirContext: a line logged with a context names what the
// context carries, once, the line's own value first; a line without one is
// left alone.
func TestLinesCarryTheirContext(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(logging.Handler(slog.NewJSONHandler(&buf, nil)))
	ctx := logging.With(context.Background(), "delivery", "d-1", "repo", "o/r")
	job := logging.With(ctx, "job_id", 7, "repo", "o/other")

	logger.InfoContext(job, "review", "outcome", "completed")
	logger.InfoContext(ctx, "own repo", "repo", "mine")
	logger.Info("no context")

	var lines []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	want := []map[string]any{
		{"delivery": "d-1", "repo": "o/other", "job_id": 7.0, "outcome": "completed"},
		{"delivery": "d-1", "repo": "mine"},
		{},
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v (%v)", i, k, lines[i][k], v, lines[i])
			}
		}
	}
	if _, ok := lines[2]["delivery"]; ok {
		t.Errorf("a line logged without a context carries one: %v", lines[2])
	}
	if n := bytes.Count(buf.Bytes(), []byte(`"repo"`)); n != 2 {
		t.Errorf("repo written %d times in 2 lines that have one:\n%s", n, buf.String())
	}
}
