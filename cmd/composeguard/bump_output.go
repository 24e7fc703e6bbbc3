package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/app/bump"
)

// The JSON output of bump is stable; fields are only ever added.
type bumpJSON struct {
	Updates []updateJSON  `json:"updates"`
	Skipped []skippedJSON `json:"skipped"`
	Written []string      `json:"written"`
}

type updateJSON struct {
	File       string   `json:"file"` // the first place edited
	Line       int      `json:"line"`
	Service    *string  `json:"service"`
	Services   []string `json:"services"`
	Image      string   `json:"image"`
	Repository string   `json:"repository"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	UpdateType string   `json:"update_type"`
	Group      string   `json:"group,omitempty"`
	Superseded string   `json:"superseded_by,omitempty"` // the newer update a local run writes instead
	// SkippedMajor marks a major a local run leaves unwritten: it takes
	// --major, or major in the image's bump.rules update_types.
	SkippedMajor bool        `json:"skipped_major"`
	Places       []placeJSON `json:"places"`
}

type placeJSON struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Services []string `json:"services"`
}

type skippedJSON struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Service  *string  `json:"service"`
	Services []string `json:"services"`
	Image    string   `json:"image"`
	Reason   string   `json:"reason"`
	Unknown  bool     `json:"unknown"`
}

func writeBumpReport(w io.Writer, format string, results []bumped, dryRun bool) error {
	out := bumpJSON{Updates: []updateJSON{}, Skipped: []skippedJSON{}, Written: []string{}}
	for _, r := range results {
		toWrite := map[string]bump.TagDigest{}
		for _, u := range r.toWrite {
			toWrite[u.Repository+" "+u.From.String()] = u.To
		}
		for _, u := range r.plan.Updates {
			j := updateJSON{Image: u.Image, Repository: u.Repository, From: u.From.String(), To: u.To.String(),
				UpdateType: string(u.Type), Group: u.Group, Services: []string{}}
			// An update a run does not write is a major held back, or is
			// superseded by the newer one written.
			switch to := toWrite[u.Repository+" "+u.From.String()]; {
			case to == u.To:
			case u.Type == bump.UpdateMajor:
				j.SkippedMajor = true
			default:
				j.Superseded = to.String()
			}
			for _, p := range u.Places {
				j.Places = append(j.Places, placeJSON{File: r.show(p.Tag.File), Line: p.Tag.Line, Services: nonNil(p.Services())})
				j.Services = append(j.Services, p.Services()...)
			}
			slices.Sort(j.Services)
			j.Services = slices.Compact(j.Services)
			j.File, j.Line, j.Service = j.Places[0].File, j.Places[0].Line, first(j.Services)
			out.Updates = append(out.Updates, j)
		}
		for _, s := range r.plan.Skipped {
			out.Skipped = append(out.Skipped, skippedJSON{File: r.show(s.File), Line: s.Line, Service: first(s.Services),
				Services: nonNil(s.Services), Image: s.Image, Reason: s.Reason, Unknown: s.Unknown})
		}
		out.Written = append(out.Written, r.written...)
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return writeBumpText(w, out, dryRun)
}

// writeBumpText lists the updates, then what was written. The majors a run
// leaves are named once: marked among the updates of a dry run, on a line of
// their own after a run that writes.
func writeBumpText(w io.Writer, out bumpJSON, dryRun bool) error {
	var b strings.Builder
	var skippedMajors []string
	for _, u := range out.Updates {
		if u.SkippedMajor {
			skippedMajors = append(skippedMajors, u.Image+" "+short(u.From)+" → "+short(u.To))
			if !dryRun {
				continue
			}
		}
		for _, p := range u.Places {
			fmt.Fprintf(&b, "%s:%d  [%s]  %s  %s → %s  %s", p.File, p.Line, strings.Join(p.Services, ", "), u.Image, short(u.From), short(u.To), u.UpdateType)
			if u.Superseded != "" {
				fmt.Fprintf(&b, "  (superseded by %s)", short(u.Superseded))
			}
			if u.SkippedMajor {
				b.WriteString("  (not written without --major)")
			}
			b.WriteString("\n")
		}
	}
	if len(out.Skipped) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("skipped:\n")
		for _, s := range out.Skipped {
			fmt.Fprintf(&b, "%s:%d  [%s]  %s  %s\n", s.File, s.Line, strings.Join(s.Services, ", "), s.Image, s.Reason)
		}
		b.WriteString("\n")
	}
	unknown := slices.ContainsFunc(out.Skipped, func(s skippedJSON) bool { return s.Unknown })
	switch {
	case len(out.Written) > 0:
		fmt.Fprintf(&b, "wrote %s\n", strings.Join(out.Written, ", "))
	case len(out.Updates) > 0 && dryRun:
		fmt.Fprintf(&b, "updates due: %d; nothing written (--dry-run)\n", len(out.Updates))
	case len(out.Updates) == 0 && !unknown:
		b.WriteString("every image is up to date\n")
	}
	if n := len(skippedMajors); n > 0 {
		noun := "major update"
		if n > 1 {
			noun += "s"
		}
		const how = "pass --major, or allow `major` in bump.rules update_types"
		if dryRun {
			fmt.Fprintf(&b, "%d %s marked above would not be written (%s)\n", n, noun, how)
		} else {
			fmt.Fprintf(&b, "%d %s not applied: %s (%s)\n", n, noun, strings.Join(skippedMajors, ", "), how)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// short cuts a digest to 12 hex digits for people: latest@sha256:0123456789ab.
func short(ref string) string {
	tag, digest, found := strings.Cut(ref, "@sha256:")
	if !found || len(digest) <= 12 {
		return ref
	}
	return tag + "@sha256:" + digest[:12]
}

func first(list []string) *string {
	if len(list) == 0 {
		return nil
	}
	return &list[0]
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
