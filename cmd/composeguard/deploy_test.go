package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestDeployRunsSubcommandsThatExist: what deploy/compose.yaml and the
// Kubernetes Deployment run in the image are subcommands of this binary,
// so renaming one cannot leave a deployment that never starts.
func TestDeployRunsSubcommandsThatExist(t *testing.T) {
	const image = "ghcr.io/composeguard/composeguard:"
	var compose struct {
		Services map[string]struct {
			Image       string   `yaml:"image"`
			Command     []string `yaml:"command"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	decodeFile(t, "../../deploy/compose.yaml", &compose)
	var deployment struct {
		Spec struct {
			Template struct {
				Spec struct {
					InitContainers []struct {
						Image string   `yaml:"image"`
						Args  []string `yaml:"args"`
					} `yaml:"initContainers"`
					Containers []struct {
						Image string   `yaml:"image"`
						Args  []string `yaml:"args"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	decodeFile(t, "../../deploy/kubernetes/deployment.yaml", &deployment)

	runs := map[string]string{} // subcommand → where
	for name, s := range compose.Services {
		if !strings.HasPrefix(s.Image, image) {
			continue
		}
		runs[s.Command[0]] = "compose.yaml " + name
		// ["CMD", "/usr/local/bin/composeguard", "healthcheck"]
		if test := s.Healthcheck.Test; len(test) > 2 && filepath.Base(test[1]) == "composeguard" {
			runs[test[2]] = "compose.yaml " + name + " healthcheck"
		}
	}
	pod := deployment.Spec.Template.Spec
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		if strings.HasPrefix(c.Image, image) {
			runs[c.Args[0]] = "deployment.yaml " + c.Args[0]
		}
	}
	for _, want := range []string{"serve", "healthcheck", "migrate"} {
		if runs[want] == "" {
			t.Errorf("deploy/ runs no %s: %v", want, runs)
		}
	}
	for sub, where := range runs {
		if code, _, stderr := cli(t, "", sub, "--help"); code != 0 || !strings.Contains(usage, "composeguard "+sub) {
			t.Errorf("%s runs composeguard %s: --help exits %d, %s", where, sub, code, stderr)
		}
	}
}

func decodeFile(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
