package checks

import "testing"

func TestHostPIDNamespace(t *testing.T) {
	runCases(t, "host-pid-namespace", []ruleCase{
		{"host", "services:\n  mon:\n    image: netdata:1\n    pid: host\n", []string{"mon@4 high"}},
		{"quoted host", "services:\n  mon:\n    image: netdata:1\n    pid: \"host\"\n", []string{"mon@4 high"}},
		{"interpolated default", "services:\n  mon:\n    image: netdata:1\n    pid: ${PID_MODE:-host}\n", []string{"mon@4 high"}},
		{"unknown variable", "services:\n  mon:\n    image: netdata:1\n    pid: ${PID_MODE}\n", []string{"mon@4 info"}},
		{"absent", "services:\n  mon:\n    image: netdata:1\n", nil},
		{"service chained to host",
			"services:\n  mon:\n    image: netdata:1\n    pid: host\n  side:\n    image: tool:1\n    pid: service:mon\n",
			[]string{"mon@4 high", "side@7 high"}},
		{"container chained to host",
			"services:\n  mon:\n    image: netdata:1\n    container_name: netdata\n    pid: host\n  side:\n    image: tool:1\n    pid: container:netdata\n",
			[]string{"mon@5 high", "side@8 high"}},
		{"service chain not ending in host",
			"services:\n  app:\n    image: app:1\n  debug:\n    image: tool:1\n    pid: service:app\n", nil},
		// Compose rejects a service: cycle as a dependency cycle; container: is not checked.
		{"container cycle",
			"services:\n  a:\n    image: app:1\n    container_name: aa\n    pid: container:bb\n  b:\n    image: app:1\n    container_name: bb\n    pid: container:aa\n", nil},
	})
}

func TestHostNamespaceChainMessage(t *testing.T) {
	fs := runRule(t, "host-pid-namespace", "services:\n  a:\n    image: app:1\n    pid: service:b\n  b:\n    image: app:1\n    container_name: bee\n    pid: host\n  c:\n    image: app:1\n    pid: container:bee\n")
	want := map[string]string{
		"a": "uses the host's PID namespace through service:b: it can see and signal every host process and read their environments",
		"b": "uses the host's PID namespace: it can see and signal every host process and read their environments",
		"c": "uses the host's PID namespace through container:bee: it can see and signal every host process and read their environments",
	}
	if len(fs) != len(want) {
		t.Fatalf("findings = %v, want 3", summarize(fs))
	}
	for _, f := range fs {
		if f.Message != want[f.Service] || f.KeyPath != "pid" {
			t.Errorf("%s: %s %q, want pid %q", f.Service, f.KeyPath, f.Message, want[f.Service])
		}
	}
}
