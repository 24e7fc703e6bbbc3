package checks

import "testing"

func TestHostIPCNamespace(t *testing.T) {
	runCases(t, "host-ipc-namespace", []ruleCase{
		{"host", "services:\n  db:\n    image: postgres:17\n    ipc: host\n", []string{"db@4 medium"}},
		{"quoted host", "services:\n  db:\n    image: postgres:17\n    ipc: 'host'\n", []string{"db@4 medium"}},
		{"interpolated default", "services:\n  db:\n    image: postgres:17\n    ipc: ${IPC:-host}\n", []string{"db@4 medium"}},
		{"unknown variable", "services:\n  db:\n    image: postgres:17\n    ipc: ${IPC}\n", []string{"db@4 info"}},
		{"shareable", "services:\n  db:\n    image: postgres:17\n    ipc: shareable\n", nil},
		{"private", "services:\n  db:\n    image: postgres:17\n    ipc: private\n", nil},
		{"none", "services:\n  db:\n    image: postgres:17\n    ipc: none\n", nil},
		{"absent", "services:\n  db:\n    image: postgres:17\n", nil},
		{"service chained to host",
			"services:\n  db:\n    image: postgres:17\n    ipc: host\n  backup:\n    image: tool:1\n    ipc: service:db\n",
			[]string{"db@4 medium", "backup@7 medium"}},
		{"service chained to shareable",
			"services:\n  db:\n    image: postgres:17\n    ipc: shareable\n  backup:\n    image: tool:1\n    ipc: service:db\n", nil},
		{"container chained to host",
			"services:\n  db:\n    image: postgres:17\n    container_name: pg\n    ipc: host\n  backup:\n    image: tool:1\n    ipc: container:pg\n",
			[]string{"db@5 medium", "backup@8 medium"}},
	})
}
