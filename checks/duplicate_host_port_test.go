package checks

import "testing"

func TestDuplicateHostPort(t *testing.T) {
	two := func(a, b string) string {
		return "services:\n  a:\n    image: nginx:1.27\n    ports:\n      - " + a + "\n  b:\n    image: nginx:1.27\n    ports:\n      - " + b + "\n"
	}
	runCases(t, "duplicate-host-port", []ruleCase{
		{"same short port", two(`"8080:80"`, `"8080:81"`), []string{"b@9 medium"}},
		{"unquoted short", two(`8080:80`, `8080:80`), []string{"b@9 medium"}},
		{"different ports", two(`"8080:80"`, `"8081:80"`), nil},
		{"different host IPs", two(`"127.0.0.1:8080:80"`, `"127.0.0.2:8080:80"`), nil},
		{"no IP takes every address", two(`"8080:80"`, `"127.0.0.1:8080:80"`), []string{"b@9 medium"}},
		{"0.0.0.0 takes IPv6 too", two(`"0.0.0.0:8080:80"`, `"[::1]:8080:80"`), []string{"b@9 medium"}},
		{"specific IP then 0.0.0.0", two(`"192.168.1.2:8080:80"`, `"0.0.0.0:8080:80"`), []string{"b@9 medium"}},
		{":: takes IPv6 addresses", two(`"[::]:8080:80"`, `"[::1]:8080:80"`), []string{"b@9 medium"}},
		{":: leaves IPv4 addresses", two(`"[::]:8080:80"`, `"127.0.0.1:8080:80"`), nil},
		{"same IP", two(`"127.0.0.1:5432:5432"`, `"127.0.0.1:5432:5433"`), []string{"b@9 medium"}},
		{"tcp and udp differ", two(`"53:53/udp"`, `"53:53"`), nil},
		{"udp twice", two(`"53:53/udp"`, `"53:5353/udp"`), []string{"b@9 medium"}},
		{"container range expands", two(`"8000-8005:8000-8005"`, `"8003:80"`), []string{"b@9 medium"}},
		{"host range for one port may take a fixed one", two(`"8000-8010:80"`, `"8005:80"`), []string{"b@9 medium"}},
		{"two host ranges for one port share", two(`"8000-8010:80"`, `"8005-8006:80"`), nil},
		{"ephemeral ports never clash", two(`"80"`, `"80"`), nil},
		{"integer ephemeral", two(`80`, `80`), nil},
		{"ephemeral loopback", two(`"127.0.0.1::80"`, `"127.0.0.1::80"`), nil},
		{"interpolated default", two(`"${WEB:-8080}:80"`, `"8080:80"`), []string{"b@9 medium"}},
		{"long syntax", "services:\n  a:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n  b:\n    image: nginx:1.27\n    ports:\n      - target: 80\n        published: 8080\n        protocol: tcp\n",
			[]string{"b@9 medium"}},
		{"long syntax other host_ip", "services:\n  a:\n    image: nginx:1.27\n    ports:\n      - \"127.0.0.1:8080:80\"\n  b:\n    image: nginx:1.27\n    ports:\n      - target: 80\n        published: \"8080\"\n        host_ip: 10.0.0.2\n",
			nil},
		{"same service twice", "services:\n  a:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n      - \"8080:81\"\n", []string{"a@6 medium"}},
		{"same entry twice is one binding", "services:\n  a:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n      - \"0.0.0.0:8080:80\"\n      - target: 80\n        published: 8080\n", nil},
		{"same service, every interface and loopback", "services:\n  a:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n      - \"127.0.0.1:8080:80\"\n", []string{"a@6 medium"}},
		{"reported on the service written second", "services:\n  z:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n  a:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n",
			[]string{"a@9 medium"}},
		{"three services, two findings", "services:\n  a:\n    image: x\n    ports: [\"8080:80\"]\n  b:\n    image: x\n    ports: [\"8080:80\"]\n  c:\n    image: x\n    ports: [\"8080:80\"]\n",
			[]string{"b@7 medium", "c@10 medium"}},
		{"disjoint profiles are alternatives", "services:\n  a:\n    image: x\n    profiles: [dev]\n    ports: [\"8080:80\"]\n  b:\n    image: x\n    profiles: [prod]\n    ports: [\"8080:80\"]\n",
			nil},
		{"shared profile", "services:\n  a:\n    image: x\n    profiles: [dev, prod]\n    ports: [\"8080:80\"]\n  b:\n    image: x\n    profiles: [prod]\n    ports: [\"8080:80\"]\n",
			[]string{"b@9 medium"}},
		{"profiled beside always-on", "services:\n  a:\n    image: x\n    ports: [\"8080:80\"]\n  b:\n    image: x\n    profiles: [debug]\n    ports: [\"8080:80\"]\n",
			[]string{"b@8 medium"}},
		{"host network publishes nothing", "services:\n  a:\n    image: x\n    network_mode: host\n    ports: [\"8080:80\"]\n  b:\n    image: x\n    ports: [\"8080:80\"]\n",
			nil},
		{"expose publishes nothing", "services:\n  a:\n    image: x\n    expose: [\"8080\"]\n  b:\n    image: x\n    ports: [\"8080:80\"]\n", nil},
		{"unknown host port beside another", two(`"${WEB_PORT}:80"`, `"8080:80"`), []string{"a@5 info"}},
		{"unknown host IP beside another", two(`"${BIND_IP}:8080:80"`, `"8080:80"`), []string{"a@5 info"}},
		{"unknown container port only", two(`"8080:${TARGET}"`, `"8080:80"`), []string{"b@9 medium"}},
		{"unknown host and container port", two(`"${A_PORT}:${A_PORT}"`, `"${B_PORT}:${B_PORT}"`), []string{"a@5 info", "b@9 info"}},
		{"unknown port alone", "services:\n  a:\n    image: x\n    ports:\n      - \"${WEB_PORT}:80\"\n", nil},
		{"unknown host IP on a port no other binding uses", two(`"${BIND_IP}:8080:80"`, `"9090:80"`), nil},
		{"unknown host IP on an ephemeral port", two(`"${BIND_IP}::80"`, `"8080:80"`), nil},
		{"unknown port beside an ephemeral one", two(`"${WEB_PORT}:80"`, `"80"`), nil},
		{"unknown port beside another protocol", two(`"${DNS_PORT}:53/udp"`, `"8080:80"`), nil},
	})
}

func TestDuplicateHostPortOverrideRepeats(t *testing.T) {
	fs := runRuleFiles(t, "duplicate-host-port", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  a:\n    image: x\n    ports: [\"8080:80\"]\n",
		"compose.override.yaml": "services:\n  a:\n    ports:\n      - \"8080:80\"\n",
	})
	if len(fs) != 0 {
		t.Errorf("findings = %v, want none: compose-go merges the repeated entry", summarize(fs))
	}
}

func TestDuplicateHostPortOverride(t *testing.T) {
	fs := runRuleFiles(t, "duplicate-host-port", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  a:\n    image: x\n    ports: [\"8080:80\"]\n  b:\n    image: x\n",
		"compose.override.yaml": "services:\n  b:\n    ports:\n      - \"8080:81\"\n",
	})
	if got := summarize(fs); len(got) != 1 || got[0] != "b@4 medium" || fs[0].Pos.File != "compose.override.yaml" {
		t.Fatalf("findings = %v in %v, want b@4 high in compose.override.yaml", got, fs)
	}
	if want := "host port 8080 clashes with host port 8080 of service a: the second to start cannot bind it"; fs[0].Message != want {
		t.Errorf("message = %q, want %q", fs[0].Message, want)
	}
}
