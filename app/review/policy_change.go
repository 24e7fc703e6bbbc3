package review

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/checks"
)

// PolicyChange is how a change to the policy file would weaken the policy
// once merged: what reviewers must see, since the change itself is judged
// by the old policy.
type PolicyChange struct {
	RulesOff        []string         // rules turned off
	Lowered         []SeverityChange // rules whose severity went down
	ExceptionsAdded []policy.Exception
	FailOn          *SeverityChange // set when the threshold went up
	ExcludeAdded    []string        // globs of files no longer audited
	IncludeRemoved  []string        // globs of extra files no longer audited
	OptionsChanged  []OptionChange
}

// SeverityChange is a rule's (or the threshold's) severity before and after.
type SeverityChange struct {
	Rule     string
	From, To checks.Severity
}

// OptionChange is a rule option's value before and after.
type OptionChange struct {
	Name     string
	From, To string
}

// Weakens reports whether the change weakens the policy in any way.
func (c PolicyChange) Weakens() bool {
	return len(c.RulesOff)+len(c.Lowered)+len(c.ExceptionsAdded)+len(c.ExcludeAdded)+
		len(c.IncludeRemoved)+len(c.OptionsChanged) > 0 || c.FailOn != nil
}

// ComparePolicies describes how head weakens base. Options are listed
// whenever they differ: whether a value is weaker depends on the option.
func ComparePolicies(base, head *policy.Policy) PolicyChange {
	var c PolicyChange
	for _, r := range checks.All() {
		from, to := severityOf(base, r), severityOf(head, r)
		switch {
		case to == policy.Off && from != policy.Off:
			c.RulesOff = append(c.RulesOff, r.ID)
		case to != policy.Off && from != policy.Off && to < from:
			c.Lowered = append(c.Lowered, SeverityChange{Rule: r.ID, From: from, To: to})
		}
	}
	for _, e := range head.Exceptions {
		if !hasException(base.Exceptions, e) {
			c.ExceptionsAdded = append(c.ExceptionsAdded, e)
		}
	}
	if head.FailOn > base.FailOn {
		c.FailOn = &SeverityChange{From: base.FailOn, To: head.FailOn}
	}
	c.ExcludeAdded = missing(base.Exclude, head.Exclude)
	c.IncludeRemoved = missing(head.Include, base.Include)
	c.OptionsChanged = optionChanges(base.Options, head.Options)
	return c
}

func severityOf(p *policy.Policy, r *checks.Rule) checks.Severity {
	if s, ok := p.Severity[r.ID]; ok {
		return s
	}
	return r.Severity
}

// hasException compares everything but the position, which moves with edits.
func hasException(list []policy.Exception, e policy.Exception) bool {
	for _, x := range list {
		if x.Rule == e.Rule && x.Service == e.Service && x.File == e.File && x.Reason == e.Reason && x.Expires.Equal(e.Expires) {
			return true
		}
	}
	return false
}

// missing lists the items of b that are not in a.
func missing(a, b []string) []string {
	var out []string
	for _, s := range b {
		if !slices.Contains(a, s) {
			out = append(out, s)
		}
	}
	return out
}

func optionChanges(base, head checks.Options) []OptionChange {
	var out []OptionChange
	bv, hv := reflect.ValueOf(base), reflect.ValueOf(head)
	t := bv.Type()
	for i := 0; i < t.NumField(); i++ {
		from, to := bv.Field(i).Interface(), hv.Field(i).Interface()
		if reflect.DeepEqual(from, to) {
			continue
		}
		name := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		out = append(out, OptionChange{Name: name, From: fmt.Sprint(from), To: fmt.Sprint(to)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SeverityName names a severity as the policy file writes it, including off
// and never.
func SeverityName(s checks.Severity) string {
	switch s {
	case policy.Off:
		return "off"
	case policy.FailNever:
		return "never"
	}
	return s.String()
}
