package checks

import "testing"

func TestDockerSocketMount(t *testing.T) {
	runCases(t, "docker-socket-mount", []ruleCase{
		{"short var/run", volumesYAML("/var/run/docker.sock:/var/run/docker.sock"), []string{"web@5 critical"}},
		{"read-only does not lower it", volumesYAML("/var/run/docker.sock:/var/run/docker.sock:ro"), []string{"web@5 critical"}},
		{"run", volumesYAML("/run/docker.sock:/var/run/docker.sock"), []string{"web@5 critical"}},
		{"rootless", volumesYAML("/run/user/1000/docker.sock:/var/run/docker.sock"), []string{"web@5 critical"}},
		{"xdg unknown still a socket", volumesYAML("${XDG_RUNTIME_DIR}/docker.sock:/var/run/docker.sock"), []string{"web@5 critical"}},
		{"xdg default", volumesYAML("${XDG_RUNTIME_DIR:-/run/user/1000}/docker.sock:/var/run/docker.sock"), []string{"web@5 critical"}},
		{"double slash", volumesYAML("//var/run/docker.sock:/var/run/docker.sock"), []string{"web@5 critical"}},
		{"podman", volumesYAML("/run/podman/podman.sock:/var/run/docker.sock"), []string{"web@5 critical"}},
		{"containerd", volumesYAML("/run/containerd/containerd.sock:/run/containerd/containerd.sock"), []string{"web@5 critical"}},
		{"parent var/run", volumesYAML("/var/run:/host/run:ro"), []string{"web@5 critical"}},
		{"parent run trailing slash", volumesYAML("/run/:/host/run"), []string{"web@5 critical"}},
		{"parent run/user/uid", volumesYAML("/run/user/1000:/run/user/1000"), []string{"web@5 critical"}},
		{"host root", volumesYAML("/:/host:ro"), []string{"web@5 critical"}},
		{"long syntax at source line", webService + "    volumes:\n      - type: bind\n        source: /var/run/docker.sock\n        target: /var/run/docker.sock\n        read_only: true\n",
			[]string{"web@6 critical"}},
		{"windows named pipe", webService + "    volumes:\n      - type: npipe\n        source: \\\\.\\pipe\\docker_engine\n        target: \\\\.\\pipe\\docker_engine\n",
			[]string{"web@6 critical"}},
		{"named volume that binds the socket", volumesYAML("sock:/var/run/docker.sock") +
			"volumes:\n  sock:\n    driver: local\n    driver_opts:\n      type: none\n      o: bind\n      device: /var/run/docker.sock\n",
			[]string{"web@5 critical"}},
		{"named volume that binds /run", volumesYAML("hostrun:/host/run") +
			"volumes:\n  hostrun:\n    driver_opts:\n      type: none\n      o: rbind,ro\n      device: /run\n",
			[]string{"web@5 critical"}},
		{"use_api_socket", webService + "    use_api_socket: true\n", []string{"web@4 critical"}},
		{"volumes_from inherits", volumesYAML("/var/run/docker.sock:/var/run/docker.sock") +
			"  sidecar:\n    image: alpine:3.20\n    volumes_from:\n      - web:ro\n",
			[]string{"web@5 critical", "sidecar@9 critical"}},
		{"volumes_from chain and use_api_socket", webService + "    use_api_socket: true\n" +
			"  b:\n    image: alpine:3.20\n    volumes_from:\n      - web\n" +
			"  c:\n    image: alpine:3.20\n    volumes_from:\n      - b\n",
			[]string{"web@4 critical", "b@8 critical", "c@12 critical"}},
		{"anchor shared by two services", "x-vols: &vols\n  - /var/run/docker.sock:/var/run/docker.sock\nservices:\n  a:\n    image: nginx:1.27\n    volumes: *vols\n  b:\n    image: nginx:1.27\n    volumes: *vols\n",
			[]string{"a@2 critical"}},
		{"unknown socket file name", volumesYAML("/srv/${SOCK}:/var/run/docker.sock"), []string{"web@5 info"}},
		{"unknown parent of a socket directory", volumesYAML("${ROOT}/run:/host/run"), []string{"web@5 info"}},
		{"unknown name in a socket directory", volumesYAML("/var/run/${SOCK}:/sock", "/run/user/${UID}:/user"), []string{"web@5 info", "web@6 info"}},
		{"an unknown data directory cannot be a socket", volumesYAML("/DATA/AppData/$AppID:/config", "/srv/${APP}:/data"), nil},
		{"unknown directory, known file name", volumesYAML("${DATA}/app:/app", "${SOCK_DIR}/api.sock:/var/run/api.sock"), nil},
		// near misses
		{"relative data", volumesYAML("./data:/data"), nil},
		{"named volume at socket target", volumesYAML("dockersock:/var/run/docker.sock") + "volumes:\n  dockersock: {}\n", nil},
		{"other run subdirectory", volumesYAML("/run/user/1000/app:/app", "/run/postgresql:/run/postgresql"), nil},
		{"var is not var/run", volumesYAML("/var:/host/var", "/variable/run:/x"), nil},
		{"socket-proxy socket name", volumesYAML("/run/socket-proxy/api.socket:/api.socket"), nil},
		{"volumes_from without socket", volumesYAML("./data:/data") + "  sidecar:\n    image: alpine:3.20\n    volumes_from:\n      - web\n      - container:other\n", nil},
		{"tmpfs at /var/run", webService + "    tmpfs:\n      - /var/run\n    volumes:\n      - type: tmpfs\n        target: /run\n", nil},
	})
}

func TestDockerSocketMountOverride(t *testing.T) {
	got := runRuleFiles(t, "docker-socket-mount", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./data:/data\n",
		"compose.override.yaml": "services:\n  web:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
	})
	if len(got) != 1 || got[0].Pos.File != "compose.override.yaml" || got[0].Pos.Line != 4 {
		t.Fatalf("findings = %+v, want one at compose.override.yaml:4", got)
	}
}
