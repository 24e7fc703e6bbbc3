package review_test

import (
	"reflect"
	"testing"

	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/review"
)

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
