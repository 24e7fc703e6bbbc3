package bump

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/compose"
)

// edit replaces the bytes at a span, which must still read old.
type edit struct {
	at       Span
	old, new string
}

// Apply returns the new content of every file the updates change. Only the
// bytes of tags and digests change. Before returning it reads the edited
// files back as Extract does, confirms each reference now names what the
// update intended and every other reference is unchanged, and loads each
// edited project with compose.Load to confirm the edit made none invalid.
// files are the compose files Extract was given.
func Apply(ctx context.Context, snap compose.Snapshot, files []string, updates []Update) (map[string][]byte, error) {
	byFile := map[string][]edit{}
	for _, u := range updates {
		for _, e := range u.edits() {
			byFile[e.at.File] = append(byFile[e.at.File], e)
		}
	}
	changed := map[string][]byte{}
	for file, edits := range byFile {
		content, err := snap.ReadFile(file)
		if err != nil {
			return nil, err
		}
		if changed[file], err = applyEdits(file, content, edits); err != nil {
			return nil, err
		}
	}
	edited := compose.Overlay{Snapshot: snap, Files: changed}
	if err := confirmReferences(snap, edited, files, updates); err != nil {
		return nil, err
	}
	if err := confirmLoads(ctx, snap, edited, files); err != nil {
		return nil, err
	}
	return changed, nil
}

func (u Update) edits() []edit {
	var out []edit
	for _, p := range u.Places {
		tag := u.To.Tag
		if p.Digest == (Span{}) && u.To.Digest != "" {
			tag += "@" + u.To.Digest // pinning: the digest goes right after the tag
		}
		if tag != u.From.Tag {
			out = append(out, edit{p.Tag, u.From.Tag, tag})
		}
		if p.Digest != (Span{}) && u.To.Digest != u.From.Digest {
			out = append(out, edit{p.Digest, u.From.Digest, u.To.Digest})
		}
	}
	return out
}

// applyEdits rewrites content, refusing overlapping edits and spans that no
// longer hold what was planned.
func applyEdits(file string, content []byte, edits []edit) ([]byte, error) {
	slices.SortFunc(edits, func(a, b edit) int { return cmp.Or(a.at.Start-b.at.Start, a.at.End-b.at.End) })
	edits = slices.Compact(edits) // one .env line reached by several references
	var b strings.Builder
	last := 0
	for _, e := range edits {
		if e.at.Start < last {
			return nil, fmt.Errorf("%s:%d: two updates edit the same bytes; apply them one at a time", file, e.at.Line)
		}
		if e.at.End > len(content) || string(content[e.at.Start:e.at.End]) != e.old {
			return nil, fmt.Errorf("%s:%d: the file no longer reads %q where the plan expects it; plan again", file, e.at.Line, e.old)
		}
		b.Write(content[last:e.at.Start])
		b.WriteString(e.new)
		last = e.at.End
	}
	b.Write(content[last:])
	return []byte(b.String()), nil
}

type position struct {
	file         string
	line, column int
}

// confirmReferences re-extracts before and after the edit, as Renovate does,
// and compares every reference with what the updates intended.
func confirmReferences(before, after compose.Snapshot, files []string, updates []Update) error {
	want := map[position]string{}
	for _, r := range Extract(before, files).References {
		want[position{r.File, r.Line, r.Column}] = r.Text
	}
	for _, u := range updates {
		for _, p := range u.Places {
			for _, r := range p.References {
				name := strings.TrimSuffix(r.Text, u.From.String())
				want[position{r.File, r.Line, r.Column}] = name + u.To.String()
			}
		}
	}
	got := map[position]string{}
	for _, r := range Extract(after, files).References {
		got[position{r.File, r.Line, r.Column}] = r.Text
	}
	for _, at := range slices.SortedFunc(maps.Keys(want), comparePositions) {
		if got[at] != want[at] {
			return fmt.Errorf("%s:%d: after editing, the image reads %q instead of %q; nothing was written", at.file, at.line, got[at], want[at])
		}
	}
	return nil
}

// confirmLoads loads every project whose files or .env changed, before and
// after, and fails if the edit made Compose reject it.
func confirmLoads(ctx context.Context, before compose.Snapshot, after compose.Overlay, files []string) error {
	for _, plan := range compose.Group(before, files, nil).Plans {
		project := plan.Files
		touched := after.Files[path.Join(path.Dir(project[0]), ".env")] != nil
		for _, f := range project {
			touched = touched || after.Files[f] != nil
		}
		if !touched {
			continue
		}
		was := invalid(compose.Load(ctx, before, project))
		for _, problem := range invalid(compose.Load(ctx, after, project)) {
			if !slices.Contains(was, problem) {
				return fmt.Errorf("after editing, Compose would reject %s: %s; nothing was written", project[0], problem)
			}
		}
	}
	return nil
}

func invalid(p *compose.Project) []string {
	var out []string
	for _, problem := range p.Problems {
		if problem.Rule == compose.RuleInvalid {
			out = append(out, problem.Message)
		}
	}
	return out
}

func comparePositions(a, b position) int {
	return cmp.Or(strings.Compare(a.file, b.file), a.line-b.line, a.column-b.column)
}
