package checks

import (
	"strconv"
	"testing"
)

func TestVersionFieldObsolete(t *testing.T) {
	runCases(t, "version-field-obsolete", []ruleCase{
		{"quoted", "version: \"3.8\"\nservices:\n  web:\n    image: x\n", []string{"@1 info"}},
		{"single-quoted", "version: '2.4'\nservices:\n  web:\n    image: x\n", []string{"@1 info"}},
		{"after services", "services:\n  web:\n    image: x\nversion: '3'\n", []string{"@4 info"}},
		{"absent", "services:\n  web:\n    image: x\n", nil},
		{"service key named version", "services:\n  web:\n    image: x\n    labels:\n      version: \"1\"\n", nil},
		{"x- extension", "x-version: 3\nservices:\n  web:\n    image: x\n", nil},
	})
}

func TestVersionFieldObsoleteEveryFile(t *testing.T) {
	fs := runRuleFiles(t, "version-field-obsolete", DefaultOptions(), map[string]string{
		"compose.yaml":          "version: \"3\"\nservices:\n  web:\n    image: x\n",
		"compose.override.yaml": "services:\n  web:\n    mem_limit: 1g\nversion: \"3\"\n",
	})
	var got []string
	for _, f := range fs {
		got = append(got, f.Pos.File+"@"+strconv.Itoa(f.Pos.Line))
		if f.Service != "" || f.KeyPath != "version" {
			t.Errorf("finding %+v: want no service and key path version", f)
		}
	}
	if len(got) != 2 || got[0] != "compose.override.yaml@4" || got[1] != "compose.yaml@1" {
		t.Errorf("findings = %v, want compose.override.yaml@4 and compose.yaml@1", got)
	}
}
