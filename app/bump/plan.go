package bump

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Registry answers the two questions planning asks; *registry.Client is one,
// and its caching is what makes a repository's tags cost one listing.
type Registry interface {
	Tags(ctx context.Context, repository string) ([]string, error)
	Digest(ctx context.Context, repository, tag string) (string, error)
}

// UpdatePin adds the digest to a reference written with a tag alone
// (the policy's pin_digests).
const UpdatePin UpdateType = "pin"

// TagDigest is an image's tag and, when pinned, its digest.
type TagDigest struct {
	Tag    string
	Digest string // "" when not pinned
}

func (v TagDigest) String() string {
	if v.Digest == "" {
		return v.Tag
	}
	return v.Tag + "@" + v.Digest
}

// Update moves every reference to one image at one version to a newer one.
type Update struct {
	Image      string // as people write it: postgres, ghcr.io/org/app
	Repository string // as looked up: docker.io/library/postgres
	From, To   TagDigest
	Type       UpdateType
	Group      string // the policy's group for the image, "" for none
	Places     []Place
}

// Place is one spot the update edits. Several references share a place
// when they reach it through an anchor or one .env variable.
type Place struct {
	Tag        Span
	Digest     Span // zero when the reference has no digest yet
	References []Reference
}

// Services lists the services the place sets the image of.
func (p Place) Services() []string {
	var out []string
	for _, r := range p.References {
		out = append(out, r.Services...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Plan is what a run proposes: updates, and the references it leaves alone
// for a reason worth telling.
type Plan struct {
	Updates []Update
	Skipped []Skipped
}

// Unknown reports whether a registry failed to answer for some image.
func (p *Plan) Unknown() bool {
	return slices.ContainsFunc(p.Skipped, func(s Skipped) bool { return s.Unknown })
}

// ToWrite is what one local run writes: for each image at each current
// version, the newest update, leaving majors out unless withMajors is set or
// the image's rules list major in update_types, so a run never lands a
// breaking upgrade by default. Scheduled pull requests use every update.
func (p *Plan) ToWrite(cfg Config, withMajors bool) []Update {
	var out []Update
	for _, u := range p.Updates {
		if u.Type == UpdateMajor && !withMajors && !cfg.For(u.Places[0].References[0].Image).MajorsListed() {
			continue
		}
		// The updates of one current version are consecutive, oldest first.
		if n := len(out); n > 0 && out[n-1].Repository == u.Repository && out[n-1].From == u.From {
			out[n-1] = u
			continue
		}
		out = append(out, u)
	}
	return out
}

// parallelLookups bounds concurrent registry lookups: enough to hide the
// latency of fifty images, few enough not to look like an attack.
const parallelLookups = 8

// PlanUpdates looks up every image of the inventory once and proposes its
// updates. A registry that cannot answer makes the image Unknown in Skipped,
// never "up to date".
func PlanUpdates(ctx context.Context, reg Registry, inv Inventory, cfg Config) *Plan {
	byRepo, ignored := inv.lookups(cfg)
	plan := &Plan{Skipped: append(slices.Clone(inv.Skipped), ignored...)}
	repos := slices.Sorted(maps.Keys(byRepo))
	results := make([]*Plan, len(repos))
	inParallel(len(repos), func(i int) {
		repo := repos[i]
		results[i] = planRepository(ctx, reg, repo, byRepo[repo], cfg.For(byRepo[repo][0].Image))
	})
	for _, r := range results {
		plan.Updates = append(plan.Updates, r.Updates...)
		plan.Skipped = append(plan.Skipped, r.Skipped...)
	}
	slices.SortStableFunc(plan.Skipped, func(a, b Skipped) int { return cmpPlace(a.File, a.Line, b.File, b.Line) })
	return plan
}

// inParallel calls fn(0) … fn(n-1), parallelLookups at a time, and
// returns when all have.
func inParallel(n int, fn func(i int)) {
	sem := make(chan struct{}, parallelLookups)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}

// PlanPins proposes pinning every reference written with a tag alone to
// the digest the registry gives that tag now (`composeguard harden`): the
// tag stays and "@sha256:…" follows it, so bump keeps both current. It
// asks for one digest per image and tag, and no tag list. Images the policy
// ignores are skipped; a registry that cannot answer makes the reference
// Unknown.
func PlanPins(ctx context.Context, reg Registry, refs []Reference, cfg Config) *Plan {
	plan := &Plan{}
	type imageTag struct{ repository, tag string }
	byTag := map[imageTag][]Reference{}
	for _, r := range refs {
		switch {
		case r.Image.Digest != "":
		case cfg.For(r.Image).Ignore:
			plan.Skipped = append(plan.Skipped, skipAll([]Reference{r}, "ignored by the policy", false)...)
		default:
			k := imageTag{r.Image.Name(), r.Image.Tag}
			byTag[k] = append(byTag[k], r)
		}
	}
	keys := slices.SortedFunc(maps.Keys(byTag), func(a, b imageTag) int {
		return cmp.Or(strings.Compare(a.repository, b.repository), strings.Compare(a.tag, b.tag))
	})
	digests, errs := make([]string, len(keys)), make([]error, len(keys))
	inParallel(len(keys), func(i int) { digests[i], errs[i] = reg.Digest(ctx, keys[i].repository, keys[i].tag) })
	for i, k := range keys {
		refs := byTag[k]
		img := refs[0].Image
		if errs[i] != nil {
			plan.Skipped = append(plan.Skipped, skipAll(refs, errs[i].Error(), true)...)
			continue
		}
		plan.Updates = append(plan.Updates, Update{Image: img.FamiliarName(), Repository: k.repository,
			From: TagDigest{Tag: k.tag}, To: TagDigest{k.tag, digests[i]}, Type: UpdatePin, Places: places(refs)})
	}
	slices.SortStableFunc(plan.Skipped, func(a, b Skipped) int { return cmpPlace(a.File, a.Line, b.File, b.Line) })
	return plan
}

// Lookups is how many repositories PlanUpdates asks the registry about, one
// Tags call each.
func (inv Inventory) Lookups(cfg Config) int {
	byRepo, _ := inv.lookups(cfg)
	return len(byRepo)
}

// lookups groups the references by the repository to look up, and skips
// those the policy ignores.
func (inv Inventory) lookups(cfg Config) (byRepo map[string][]Reference, ignored []Skipped) {
	byRepo = map[string][]Reference{}
	for _, r := range inv.References {
		if cfg.For(r.Image).Ignore {
			ignored = append(ignored, skipAll([]Reference{r}, "ignored by the policy", false)...)
			continue
		}
		byRepo[r.Image.Name()] = append(byRepo[r.Image.Name()], r)
	}
	return byRepo, ignored
}

func planRepository(ctx context.Context, reg Registry, repo string, refs []Reference, s Settings) *Plan {
	plan := &Plan{}
	tags, err := reg.Tags(ctx, repo)
	if err != nil {
		plan.Skipped = skipAll(refs, err.Error(), true)
		return plan
	}
	versions := ParseTags(tags)
	byCurrent := map[TagDigest][]Reference{}
	for _, r := range refs {
		cur := TagDigest{r.Image.Tag, r.Image.Digest}
		byCurrent[cur] = append(byCurrent[cur], r)
	}
	currents := slices.SortedFunc(maps.Keys(byCurrent), func(a, b TagDigest) int {
		return cmp.Or(strings.Compare(a.Tag, b.Tag), strings.Compare(a.Digest, b.Digest))
	})
	for _, cur := range currents {
		refs := byCurrent[cur]
		targets, reason, err := propose(ctx, reg, repo, cur, versions, s)
		switch {
		case err != nil:
			plan.Skipped = append(plan.Skipped, skipAll(refs, err.Error(), true)...)
		case reason != "":
			plan.Skipped = append(plan.Skipped, skipAll(refs, reason, false)...)
		}
		for _, t := range targets {
			plan.Updates = append(plan.Updates, Update{
				Image: refs[0].Image.FamiliarName(), Repository: repo,
				From: cur, To: t.to, Type: t.kind, Group: s.Group, Places: places(refs),
			})
		}
	}
	return plan
}

type target struct {
	to   TagDigest
	kind UpdateType
}

// propose chooses the updates of one current version, with digests as
// Renovate handles them: tag updates carry the new tag's digest when the
// reference is or gets pinned; a digest refresh or pin is proposed only when
// no tag update is, since a tag update already brings the new digest. reason
// says why a reference gets nothing when that is worth telling.
func propose(ctx context.Context, reg Registry, repo string, cur TagDigest, versions []TagVersion, s Settings) (targets []target, reason string, err error) {
	pinned := cur.Digest != "" || s.PinDigests
	digest := func(tag string) (string, error) {
		if !pinned {
			return "", nil
		}
		return reg.Digest(ctx, repo, tag)
	}
	for _, c := range ChooseUpdates(cur.Tag, versions, s.Select) {
		if c.Type == UpdateDigest {
			continue
		}
		d, err := digest(c.Tag)
		if err != nil {
			return nil, "", err
		}
		targets = append(targets, target{TagDigest{c.Tag, d}, c.Type})
	}
	if len(targets) > 0 {
		return targets, "", nil
	}
	switch {
	case cur.Digest != "" && !s.Select.Allows(UpdateDigest):
		return nil, "", nil
	case pinned:
		d, err := digest(cur.Tag)
		if err != nil || d == cur.Digest {
			return nil, "", err
		}
		kind := UpdateDigest
		if cur.Digest == "" {
			kind = UpdatePin
		}
		return []target{{TagDigest{cur.Tag, d}, kind}}, "", nil
	}
	v, isVersion := s.Select.version(cur.Tag)
	switch {
	case !isVersion && v.Prefix != "":
		return nil, fmt.Sprintf("%s starts with a word, so it is not read as a version (allow_word_prefix reads it as one); pin its digest (pin_digests) to keep the digest current", cur.Tag), nil
	case !isVersion:
		return nil, fmt.Sprintf("%s is not a version, so there is no newer tag to move to; pin its digest (pin_digests) to keep the digest current", cur.Tag), nil
	}
	return nil, "", nil
}

// places merges references that edit the same bytes.
func places(refs []Reference) []Place {
	var out []Place
	for _, r := range refs {
		i := slices.IndexFunc(out, func(p Place) bool { return p.Tag == r.Tag && p.Digest == r.Digest })
		if i < 0 {
			out = append(out, Place{Tag: r.Tag, Digest: r.Digest})
			i = len(out) - 1
		}
		out[i].References = append(out[i].References, r)
	}
	slices.SortFunc(out, func(a, b Place) int {
		return cmp.Or(strings.Compare(a.Tag.File, b.Tag.File), a.Tag.Start-b.Tag.Start)
	})
	return out
}

func skipAll(refs []Reference, reason string, unknown bool) []Skipped {
	out := make([]Skipped, 0, len(refs))
	for _, r := range refs {
		out = append(out, Skipped{File: r.File, Line: r.Line, Services: r.Services, Image: r.Text, Reason: reason, Unknown: unknown})
	}
	return out
}
