package review_test

import (
	"reflect"
	"testing"

	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/review"
)

func findings(fps ...string) []review.Finding {
	var out []review.Finding
	for _, fp := range fps {
		out = append(out, review.Finding{Fingerprint: fp})
	}
	return out
}

func fps(list []review.Finding) []string {
	out := []string{}
	for _, f := range list {
		out = append(out, f.Fingerprint)
	}
	return out
}

func TestCompare(t *testing.T) {
	waived := func(fps ...string) []review.Finding {
		out := findings(fps...)
		for i := range out {
			out[i].Exception = &policy.Exception{Rule: "r"}
		}
		return out
	}
	for _, tc := range []struct {
		name                 string
		base, head           *review.Report
		new, existing, fixed []string
	}{
		{"nothing", &review.Report{}, &review.Report{}, []string{}, []string{}, []string{}},
		{"introduced, kept and fixed",
			&review.Report{Findings: findings("kept", "gone")},
			&review.Report{Findings: findings("kept", "added")},
			[]string{"added"}, []string{"kept"}, []string{"gone"}},
		{"waived at head is not fixed",
			&review.Report{Findings: findings("a")},
			&review.Report{Waived: waived("a")},
			[]string{}, []string{}, []string{}},
		{"an exception expiring is not new",
			&review.Report{Waived: waived("a")},
			&review.Report{Findings: findings("a")},
			[]string{}, []string{"a"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := review.Compare(tc.base, tc.head)
			for what, pair := range map[string][2][]string{
				"new": {fps(c.New), tc.new}, "existing": {fps(c.Existing), tc.existing}, "fixed": {fps(c.Fixed), tc.fixed},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("%s = %v, want %v", what, pair[0], pair[1])
				}
			}
		})
	}
}

func TestComparePolicies(t *testing.T) {
	for _, tc := range []struct {
		name, base, head string
		want             review.PolicyChange
	}{
		{"same", "fail_on: high\n", "fail_on: high\n", review.PolicyChange{}},
		{"stricter is no weakening", "fail_on: high\nrules:\n  runs-as-root: off\n", "fail_on: low\nrules:\n  runs-as-root: critical\n", review.PolicyChange{}},
		{"rules off and lowered", "", "rules:\n  privileged-container: off\n  hardcoded-secret: low\n",
			review.PolicyChange{RulesOff: []string{"privileged-container"},
				Lowered: []review.SeverityChange{{Rule: "hardcoded-secret", From: 4, To: 2}}}},
		{"fail_on raised", "fail_on: medium\n", "fail_on: never\n",
			review.PolicyChange{FailOn: &review.SeverityChange{From: 3, To: policy.FailNever}}},
		{"files and options", "files:\n  include: [stacks/**]\n", "files:\n  exclude: [vendor/**]\noptions:\n  require_digest: true\n",
			review.PolicyChange{ExcludeAdded: []string{"vendor/**"}, IncludeRemoved: []string{"stacks/**"},
				OptionsChanged: []review.OptionChange{{Name: "require_digest", From: "false", To: "true"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := review.ComparePolicies(policy.Parse(policy.FileName, []byte(tc.base)), policy.Parse(policy.FileName, []byte(tc.head)))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if got.Weakens() != !reflect.DeepEqual(tc.want, review.PolicyChange{}) {
				t.Errorf("Weakens() = %v", got.Weakens())
			}
		})
	}
}

func TestComparePoliciesExceptionsAdded(t *testing.T) {
	const old = "exceptions:\n  - {rule: runs-as-root, service: db, reason: gosu, expires: 2030-01-31}\n"
	head := old + "  - {rule: runs-as-root, service: web, reason: legacy, expires: 2030-02-28}\n"
	// The old exception moved down a line: it is not new.
	got := review.ComparePolicies(policy.Parse(policy.FileName, []byte(old)), policy.Parse(policy.FileName, []byte("\n"+head)))
	if len(got.ExceptionsAdded) != 1 || got.ExceptionsAdded[0].Service != "web" || got.ExceptionsAdded[0].Reason != "legacy" {
		t.Errorf("added = %+v", got.ExceptionsAdded)
	}
}
