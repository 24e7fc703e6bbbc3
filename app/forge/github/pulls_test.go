package github

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge/github/githubtest"
)

func TestChangedFilesReadsEveryPage(t *testing.T) {
	e := newEnv(t)
	head := map[string]string{}
	for i := range 250 {
		head[fmt.Sprintf("stacks/s%03d/compose.yaml", i)] = "services: {}\n"
	}
	e.pull(nil, head)

	files, err := e.client.ChangedFiles(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 250 {
		t.Errorf("%d files, want 250", len(files))
	}
	var pages []string
	for _, r := range e.fake.Requests() {
		if r.Pattern == opListFiles {
			pages = append(pages, r.Query.Get("per_page")+"/"+r.Query.Get("page"))
		}
	}
	if want := []string{"100/", "100/2", "100/3"}; !slices.Equal(pages, want) {
		t.Errorf("pages requested (per_page/page) = %v, want %v", pages, want)
	}
	if got := e.client.Calls().API[opListFiles]; got != 3 {
		t.Errorf("Calls() counts %d file list calls, want 3", got)
	}
}

func TestChangedFilesLines(t *testing.T) {
	e := newEnv(t)
	var before, after []string
	for i := 1; i <= 20; i++ {
		before = append(before, fmt.Sprintf("line %d", i))
	}
	after = slices.Clone(before)
	after[9] = "line 10 changed" // line 10
	after = slices.Insert(after, 15, "new line 16")
	text := func(lines []string) string { return strings.Join(lines, "\n") + "\n" }
	e.pull(map[string]string{"compose.yaml": text(before), "gone.yaml": "a\nb\n", "same.env": "X=1\n"},
		map[string]string{"compose.yaml": text(after), "new.yaml": "a\nb", "same.env": "X=1\n"})

	files, err := e.client.ChangedFiles(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = fmt.Sprintf("%s lines %v added %v", f.Status, sorted(f.Lines), sorted(f.Added))
	}
	want := map[string]string{
		// Two changes 6 lines apart share a hunk: 7..19 with context.
		"compose.yaml": "modified lines [7 8 9 10 11 12 13 14 15 16 17 18 19] added [10 16]",
		"new.yaml":     "added lines [1 2] added [1 2]",
		"gone.yaml":    "removed lines [] added []",
	}
	if !maps.Equal(got, want) {
		t.Errorf("changed files:\n got %v\nwant %v", got, want)
	}
}

func TestChangedFileWithoutPatchHasNoLines(t *testing.T) {
	e := newEnv(t)
	e.fake.SetPatchLimit(10)
	e.pull(map[string]string{"compose.yaml": "a\n"}, map[string]string{"compose.yaml": "a much longer line\n"})
	files, err := e.client.ChangedFiles(t.Context(), e.target, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || len(files[0].Lines) != 0 {
		t.Errorf("files = %+v, want one file with no commentable line", files)
	}
}

func TestPullRequest(t *testing.T) {
	e := newEnv(t)
	base, head := e.repo.Commit(map[string]string{"a": "1"}), e.repo.Commit(map[string]string{"a": "2"})
	e.repo.AddPull(githubtest.Pull{Number: 4, Title: "mine", Base: base, Head: head, Draft: true})
	e.repo.AddPull(githubtest.Pull{Number: 5, Title: "theirs", Base: base, Head: head, Fork: true, Closed: true})

	mine, err := e.client.PullRequest(t.Context(), e.target, 4)
	if err != nil {
		t.Fatal(err)
	}
	if mine.HeadSHA != head || mine.BaseSHA != base || mine.BaseRef != "main" || !mine.Draft || mine.FromFork || !mine.Open || mine.Title != "mine" {
		t.Errorf("pull request 4 = %+v", mine)
	}
	theirs, err := e.client.PullRequest(t.Context(), e.target, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !theirs.FromFork || theirs.Open {
		t.Errorf("pull request 5 = %+v, want a closed fork", theirs)
	}
}

func sorted(set map[int]bool) []int {
	return slices.Sorted(maps.Keys(set))
}

// TestOpenPullRequestsAtAHead: the open pull requests whose head is the
// commit, whichever their base; a closed one and one elsewhere are not.
func TestOpenPullRequestsAtAHead(t *testing.T) {
	e := newEnv(t)
	p := e.pull(map[string]string{"a": "1\n"}, map[string]string{"a": "2\n"})
	e.repo.AddPull(githubtest.Pull{Number: 2, Title: "same head", Base: p.Base, Head: p.Head, BaseRef: "release"})
	e.repo.AddPull(githubtest.Pull{Number: 3, Title: "closed", Base: p.Base, Head: p.Head, Closed: true})
	e.repo.AddPull(githubtest.Pull{Number: 4, Title: "elsewhere", Base: p.Base, Head: p.Base})
	prs, err := e.client.OpenPullRequestsAt(t.Context(), e.target, p.Head)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pr := range prs {
		got = append(got, fmt.Sprintf("#%d %s open=%v", pr.Number, pr.BaseRef, pr.Open))
	}
	if strings.Join(got, ", ") != "#2 release open=true, #1 main open=true" {
		t.Errorf("pull requests at the head: %v", got)
	}
	if pr, err := e.client.PullRequest(t.Context(), e.target, 1); err != nil || pr.ChangedFiles != 1 {
		t.Errorf("PullRequest = %+v, %v; want its one changed file counted", pr, err)
	}
}
