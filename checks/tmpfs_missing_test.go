package checks

import "testing"

func TestTmpfsMissing(t *testing.T) {
	ro := "services:\n  web:\n    image: nginx:1.27\n    read_only: true\n"
	runCases(t, "tmpfs-missing", []ruleCase{
		{"read-only without tmpfs", ro, []string{"web@2 low"}},
		{"writable root is out of scope", "services:\n  web:\n    image: nginx:1.27\n", nil},
		{"tmpfs list", ro + "    tmpfs:\n      - /tmp\n      - /run\n", nil},
		{"tmpfs with options", ro + "    tmpfs:\n      - /tmp:size=64m,mode=1777\n      - /var/run:size=1m\n", nil},
		{"tmpfs string covers one", ro + "    tmpfs: /tmp\n", []string{"web@5 low"}},
		{"only /run", ro + "    tmpfs:\n      - /run\n", []string{"web@5 low"}},
		{"trailing slash", ro + "    tmpfs: [/tmp/, /run/]\n", nil},
		{"long volume tmpfs", ro + "    volumes:\n      - type: tmpfs\n        target: /tmp\n      - type: tmpfs\n        target: /run\n", nil},
		{"named volume counts", ro + "    tmpfs: [/run]\n    volumes:\n      - scratch:/tmp\nvolumes:\n  scratch: {}\n", nil},
		{"bind mount does not", ro + "    tmpfs: [/run]\n    volumes:\n      - ./tmp:/tmp\n", []string{"web@5 low"}},
		{"other paths only", ro + "    tmpfs:\n      - /cache\n", []string{"web@5 low"}},
		{"unknown", ro + "    tmpfs:\n      - ${TMP_DIR}\n", []string{"web@5 info"}},
		{"default", ro + "    tmpfs:\n      - ${TMP_DIR:-/tmp}\n      - /run\n", nil},
	})
}

func TestTmpfsMissingEveryService(t *testing.T) {
	opts := DefaultOptions()
	opts.TmpfsEveryService = true
	fs := runRuleFiles(t, "tmpfs-missing", opts, map[string]string{"compose.yaml": "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:16\n    tmpfs: [/tmp, /run]\n"})
	if got := summarize(fs); len(got) != 1 || got[0] != "web@2 low" {
		t.Errorf("findings = %v, want [web@2 low]", got)
	}
}
