package audit_test

import (
	"reflect"
	"testing"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/policy"
)

func findings(fps ...string) []audit.Finding {
	var out []audit.Finding
	for _, fp := range fps {
		out = append(out, audit.Finding{Fingerprint: fp})
	}
	return out
}

func fps(list []audit.Finding) []string {
	out := []string{}
	for _, f := range list {
		out = append(out, f.Fingerprint)
	}
	return out
}

func TestCompare(t *testing.T) {
	waived := func(fps ...string) []audit.Finding {
		out := findings(fps...)
		for i := range out {
			out[i].Exception = &policy.Exception{Rule: "r"}
		}
		return out
	}
	for _, tc := range []struct {
		name                 string
		base, head           *audit.Report
		new, existing, fixed []string
	}{
		{"nothing", &audit.Report{}, &audit.Report{}, []string{}, []string{}, []string{}},
		{"introduced, kept and fixed",
			&audit.Report{Findings: findings("kept", "gone")},
			&audit.Report{Findings: findings("kept", "added")},
			[]string{"added"}, []string{"kept"}, []string{"gone"}},
		{"waived at head is not fixed",
			&audit.Report{Findings: findings("a")},
			&audit.Report{Waived: waived("a")},
			[]string{}, []string{}, []string{}},
		{"an exception expiring is not new",
			&audit.Report{Waived: waived("a")},
			&audit.Report{Findings: findings("a")},
			[]string{}, []string{"a"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := audit.Compare(tc.base, tc.head)
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
