package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/jobs"
)

// The hidden marker at the end of the body names the dashboard and what
// each box asks for. Only the copy the server wrote, kept in the database,
// is read for that: a person editing the issue can tick a box, never
// change what it does.
const markerStart, markerEnd = jobs.DashboardMarker, " -->"

type marker struct {
	Boxes map[string]box `json:"boxes"`
}

// box is what a box asks for.
type box struct {
	Do     string `json:"do"` // doHarden or doOpen
	File   string `json:"file,omitempty"`
	Branch string `json:"branch,omitempty"`
}

const (
	doHarden = "harden" // the hardening pull request of File
	doOpen   = "open"   // the image update pull request of Branch, now
)

func (m marker) String() string {
	// JSON escapes "<" and ">", so no file name can end the comment.
	b, _ := json.Marshal(m)
	return markerStart + string(b) + markerEnd
}

func readMarker(body string) (marker, bool) {
	var m marker
	_, rest, ok := strings.Cut(body, markerStart)
	if !ok {
		return m, false
	}
	text, _, ok := strings.Cut(rest, markerEnd)
	return m, ok && json.Unmarshal([]byte(text), &m) == nil
}

// boxLine matches a box of the task list: GitHub and GitLab write a ticked
// one as [x] (GitLab also [X]).
var boxLine = regexp.MustCompile(`(?m)^- \[([ xX])\] <!-- composeguard:box (b\d+) -->`)

// ticked lists the ids of the boxes ticked in a body, in order.
func ticked(body string) []string {
	var out []string
	for _, m := range boxLine.FindAllStringSubmatch(body, -1) {
		if m[1] != " " {
			out = append(out, m[2])
		}
	}
	return out
}

// act does what each box ticked since the server last wrote the issue
// asks. A box the server's copy does not know, or ticked in it already, is
// not acted on; nor is any when the server's copy is lost (a new
// database): what the boxes meant is then unknown.
func (r *Runner) act(ctx context.Context, repo forge.Repository, issue forge.Issue, res *Result) error {
	if r.opts.Actions == nil {
		return nil
	}
	number, last, found, err := r.opts.Store.DashboardIssue(ctx, repo.Repo)
	if err != nil {
		return fmt.Errorf("read the dashboard last written: %w", err)
	}
	m, ok := readMarker(last)
	if !found || number != issue.Number || !ok {
		return nil
	}
	before := map[string]bool{}
	for _, id := range ticked(last) {
		before[id] = true
	}
	for _, id := range ticked(issue.Body) {
		b, known := m.Boxes[id]
		if !known || before[id] {
			continue
		}
		before[id] = true // a box repeated in the body acts once
		done, err := r.do(ctx, repo, b)
		if err != nil {
			var retry *forge.RetryableError
			if errors.As(err, &retry) || ctx.Err() != nil {
				return err
			}
			done = "failed: " + err.Error()
		}
		res.Done = append(res.Done, done)
	}
	return nil
}

func (r *Runner) do(ctx context.Context, repo forge.Repository, b box) (string, error) {
	switch b.Do {
	case doHarden:
		o, err := r.opts.Actions.Harden(ctx, repo, b.File)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("harden %s: %s #%d %s", b.File, o.Action, o.Number, o.Detail), nil
	case doOpen:
		o, err := r.opts.Actions.OpenUpdate(ctx, repo, b.Branch)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("open %s: %s #%d %s", b.Branch, o.Action, o.Number, o.Detail), nil
	}
	return "", fmt.Errorf("unknown box %q", b.Do)
}
