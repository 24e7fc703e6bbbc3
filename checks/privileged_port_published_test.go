package checks

import "testing"

func TestPrivilegedPortPublished(t *testing.T) {
	runCases(t, "privileged-port-published", []ruleCase{
		{"ssh", portsYAML("", `"22:22"`), []string{"web@5 info"}},
		{"loopback counts too", portsYAML("", `"127.0.0.1:22:22"`), []string{"web@5 info"}},
		{"integer-looking string", portsYAML("", `21:21`), []string{"web@5 info"}},
		{"host range starting low", portsYAML("", `"1000-1100:80"`), []string{"web@5 info"}},
		{"container range partly allowed", portsYAML("", `"80-81:80-81"`), []string{"web@5 info"}},
		{"long published int", portsYAML("", "target: 21\n        published: 21"), []string{"web@5 info"}},
		{"long published range", portsYAML("", "target: 80\n        published: \"1020-1030\""), []string{"web@5 info"}},
		{"udp", portsYAML("", `"161:161/udp"`), []string{"web@5 info"}},
		{"unknown host port", portsYAML("", `"${SSH_PORT}:22"`), []string{"web@5 info"}},
		{"unknown container port is not judged", portsYAML("", `"8080:${APP_PORT}"`), nil},
		{"high host port for a low container port", portsYAML("", `"2222:22"`), nil},
		{"ephemeral host port", portsYAML("", `"22"`), nil},
		{"integer item is ephemeral", portsYAML("", `22`), nil},
		{"allow-listed http", portsYAML("", `"80:80"`, `"443:443"`), nil},
		{"allow-listed dns", portsYAML("", `"53:53/udp"`), nil},
		{"range above 1024", portsYAML("", `"8000-9000:80"`), nil},
		{"known default", portsYAML("", `"${HTTP_PORT:-8080}:80"`), nil},
		{"host network mode publishes nothing here", portsYAML("    network_mode: host\n", `"22:22"`), nil},
	})
}

func TestPrivilegedPortPublishedContainerSide(t *testing.T) {
	opts := DefaultOptions()
	opts.PrivilegedContainerPorts = true
	runCasesWith(t, "privileged-port-published", opts, []ruleCase{
		{"low container port", portsYAML("", `"2222:22"`), []string{"web@5 info"}},
		{"ephemeral host port", portsYAML("", `22`), []string{"web@5 info"}},
		{"allow-listed container port", portsYAML("", `"8443:443"`), nil},
		{"high both sides", portsYAML("", `"8080:8080"`), nil},
		{"unknown container port", portsYAML("", `"8080:${APP_PORT}"`), []string{"web@5 info"}},
	})
}
