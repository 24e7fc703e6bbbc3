package pulls

import (
	"context"

	"github.com/composeguard/composeguard/app/forge"
)

// closeUnneeded closes composeguard's open pull requests whose branch the
// plan no longer proposes, unless a registry could not answer for one of
// their images, the file listing was partial, or someone else pushed.
func (w *repoRun) closeUnneeded(ctx context.Context, wanted map[string]bool) error {
	var still []forge.Pull
	for _, pr := range w.open {
		if wanted[pr.HeadRef] {
			still = append(still, pr)
			continue
		}
		o, err := w.closePull(ctx, pr)
		switch {
		case err != nil && retry(err):
			return err
		case err != nil:
			o.Action, o.Detail = Failed, err.Error()
		}
		if o.Action != Closed {
			still = append(still, pr)
		}
		w.result.Outcomes = append(w.result.Outcomes, o)
	}
	w.open = still
	return nil
}

// closePull closes one pull request with a comment saying why.
func (w *repoRun) closePull(ctx context.Context, pr forge.Pull) (Outcome, error) {
	o := Outcome{Branch: pr.HeadRef, Number: pr.Number}
	m, ok := readMarker(pr.Body)
	switch {
	case !ok:
		o.Action, o.Detail = Kept, "its description lost composeguard's marker, so what it updates is unknown"
		return o, nil
	case w.partial:
		o.Action, o.Detail = Kept, "the repository's file listing was truncated"
		return o, nil
	}
	if repo := w.unknownIn(m); repo != "" {
		o.Action, o.Detail = Kept, "the registry of "+repo+" did not answer"
		return o, nil
	}
	return w.closeWith(ctx, pr, "bump_closed.md.tmpl", struct {
		Base   string
		Images []string
	}{w.repo.DefaultBranch, m.images()})
}
