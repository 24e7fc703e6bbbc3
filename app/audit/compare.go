package audit

import "github.com/composeguard/composeguard/checks"

// Comparison classifies the findings of a change's head against its base by
// fingerprint, so line moves do not make an old finding look new.
type Comparison struct {
	New      []Finding // at head, not at base: the change introduced them
	Existing []Finding // at head and at base
	Fixed    []Finding // at base, gone from head
	Base     Score
	Head     Score
}

// Compare classifies head's findings against base. A finding an exception
// waives on one side still exists there: it is neither new nor fixed when
// the other side counts it, so an expiring exception never fails a change
// and a new waiver is never shown as a fix.
func Compare(base, head *Report) Comparison {
	atBase := Fingerprints(base.Findings, base.Waived)
	atHead := Fingerprints(head.Findings, head.Waived)
	c := Comparison{Base: base.Score, Head: head.Score}
	for _, f := range head.Findings {
		if atBase[f.Fingerprint] {
			c.Existing = append(c.Existing, f)
		} else {
			c.New = append(c.New, f)
		}
	}
	for _, f := range base.Findings {
		if !atHead[f.Fingerprint] {
			c.Fixed = append(c.Fixed, f)
		}
	}
	return c
}

// Failing returns the new findings at or above the threshold: a change
// fails only on problems it introduces.
func (c Comparison) Failing(threshold checks.Severity) []Finding {
	return atOrAbove(c.New, threshold)
}

// Fingerprints is the set of the fingerprints of the findings listed.
func Fingerprints(lists ...[]Finding) map[string]bool {
	out := map[string]bool{}
	for _, list := range lists {
		for _, f := range list {
			out[f.Fingerprint] = true
		}
	}
	return out
}
