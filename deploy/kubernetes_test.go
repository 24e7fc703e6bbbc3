package deploy

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The parts of the Kubernetes objects the test reads; field names are the
// API's.
type (
	meta struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	}
	selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	object struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   meta   `yaml:"metadata"`
	}
	deployment struct {
		Spec struct {
			Replicas *int     `yaml:"replicas"`
			Selector selector `yaml:"selector"`
			Template struct {
				Metadata meta    `yaml:"metadata"`
				Spec     podSpec `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	podSpec struct {
		AutomountServiceAccountToken  *bool `yaml:"automountServiceAccountToken"`
		TerminationGracePeriodSeconds *int  `yaml:"terminationGracePeriodSeconds"`
		HostNetwork                   bool  `yaml:"hostNetwork"`
		HostPID                       bool  `yaml:"hostPID"`
		HostIPC                       bool  `yaml:"hostIPC"`
		SecurityContext               struct {
			RunAsNonRoot   *bool `yaml:"runAsNonRoot"`
			RunAsUser      *int  `yaml:"runAsUser"`
			RunAsGroup     *int  `yaml:"runAsGroup"`
			FSGroup        *int  `yaml:"fsGroup"`
			SeccompProfile struct {
				Type string `yaml:"type"`
			} `yaml:"seccompProfile"`
		} `yaml:"securityContext"`
		InitContainers []container `yaml:"initContainers"`
		Containers     []container `yaml:"containers"`
		Volumes        []struct {
			Name   string `yaml:"name"`
			Secret *struct {
				SecretName  string `yaml:"secretName"`
				DefaultMode *int   `yaml:"defaultMode"`
				Items       []struct {
					Key  string `yaml:"key"`
					Path string `yaml:"path"`
					Mode *int   `yaml:"mode"`
				} `yaml:"items"`
			} `yaml:"secret"`
			HostPath any `yaml:"hostPath"`
		} `yaml:"volumes"`
	}
	container struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				SecretKeyRef *struct {
					Name     string `yaml:"name"`
					Key      string `yaml:"key"`
					Optional bool   `yaml:"optional"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
		StartupProbe   *probe `yaml:"startupProbe"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			Privileged               bool  `yaml:"privileged"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			RunAsUser                *int  `yaml:"runAsUser"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
				Add  []string `yaml:"add"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
	}
	probe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port any    `yaml:"port"` // a number or a port's name
		} `yaml:"httpGet"`
	}
	kubeService struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Port       int `yaml:"port"`
				TargetPort any `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	kubeSecret struct {
		StringData map[string]string `yaml:"stringData"`
		Data       map[string]string `yaml:"data"`
	}
	disruptionBudget struct {
		Spec struct {
			MinAvailable   *int     `yaml:"minAvailable"`
			MaxUnavailable any      `yaml:"maxUnavailable"`
			Selector       selector `yaml:"selector"`
		} `yaml:"spec"`
	}
	kustomization struct {
		Namespace string   `yaml:"namespace"`
		Resources []string `yaml:"resources"`
	}
)

// manifests are the objects of deploy/kubernetes by kind, each document
// kept as a node to decode into its kind's type.
type manifests map[string][]*yaml.Node

func readManifests(t *testing.T) (manifests, kustomization) {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes: %v", err)
	}
	m := manifests{}
	var k kustomization
	var listed []string
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(f)
		for {
			var doc yaml.Node
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var o object
			if err := doc.Decode(&o); err != nil || o.Kind == "" {
				t.Fatalf("%s: not a Kubernetes object (%v)", file, err)
			}
			if o.Kind == "Kustomization" {
				decode(t, &doc, &k)
				continue
			}
			m[o.Kind] = append(m[o.Kind], &doc)
			listed = append(listed, filepath.Base(file))
		}
		f.Close()
	}
	// kubectl apply -k applies what the kustomization lists, and only that.
	if slices.Sort(listed); !slices.Equal(slices.Compact(listed), slices.Sorted(slices.Values(k.Resources))) {
		t.Errorf("kustomization.yaml lists %v; the folder holds %v", k.Resources, listed)
	}
	return m, k
}

// one decodes the only object of a kind.
func (m manifests) one(t *testing.T, kind string, v any) object {
	t.Helper()
	if len(m[kind]) != 1 {
		t.Fatalf("%d objects of kind %s, want 1", len(m[kind]), kind)
	}
	var o object
	decode(t, m[kind][0], &o)
	decode(t, m[kind][0], v)
	return o
}

func decode(t *testing.T, n *yaml.Node, v any) {
	t.Helper()
	if err := n.Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestKubernetesManifests(t *testing.T) {
	m, k := readManifests(t)
	var d deployment
	m.one(t, "Deployment", &d)
	pod := d.Spec.Template.Spec
	podLabels := d.Spec.Template.Metadata.Labels

	var ns object
	decode(t, m["Namespace"][0], &ns)
	if ns.Metadata.Name != k.Namespace || ns.Metadata.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %q (labels %v): want the kustomization's %q, enforcing the restricted Pod Security Standard",
			ns.Metadata.Name, ns.Metadata.Labels, k.Namespace)
	}

	// Several replicas share PostgreSQL; a drain keeps one of them.
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas %v, want 2 or more", val(d.Spec.Replicas))
	}
	if !selects(d.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", d.Spec.Selector.MatchLabels, podLabels)
	}
	var pdb disruptionBudget
	m.one(t, "PodDisruptionBudget", &pdb)
	if !selects(pdb.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("the PodDisruptionBudget's selector %v does not select the pods %v", pdb.Spec.Selector.MatchLabels, podLabels)
	}
	if min := pdb.Spec.MinAvailable; min == nil || *min < 1 || d.Spec.Replicas == nil || *min >= *d.Spec.Replicas {
		t.Errorf("PodDisruptionBudget minAvailable %v: want at least 1 and fewer than the replicas, so a drain can proceed", val(min))
	}

	restricted(t, pod)
	for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
		if c.Image != composeImage(t) {
			t.Errorf("%s runs %s, compose.yaml %s", c.Name, c.Image, composeImage(t))
		}
		for _, kind := range []string{"cpu", "memory"} {
			if c.Resources.Requests[kind] == "" || c.Resources.Limits[kind] == "" {
				t.Errorf("%s: no %s request and limit", c.Name, kind)
			}
		}
	}

	server := serverContainer(t, pod)
	probesAndService(t, m, server, podLabels)
	secretsExist(t, m, pod)

	// The memory serve's soft limit is set under (cmd/composeguard/serve.go)
	// and the time it needs to drain are compose.yaml's.
	cg := service(t, loadCompose(t, envFromExample(t, false)), "composeguard")
	limit, err := quantity(server.Resources.Limits["memory"])
	var composeLimit int64
	if cg.Deploy != nil && cg.Deploy.Resources.Limits != nil {
		composeLimit = int64(cg.Deploy.Resources.Limits.MemoryBytes)
	}
	if err != nil || limit != composeLimit {
		t.Errorf("memory limit %q (%d bytes, %v), compose.yaml's %d bytes", server.Resources.Limits["memory"], limit, err, composeLimit)
	}
	if cg.StopGracePeriod == nil || pod.TerminationGracePeriodSeconds == nil ||
		time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second != time.Duration(*cg.StopGracePeriod) {
		t.Errorf("terminationGracePeriodSeconds %v, compose.yaml's stop_grace_period %v", val(pod.TerminationGracePeriodSeconds), val(cg.StopGracePeriod))
	}
}

// restricted checks the pod against the restricted Pod Security Standard,
// as the image's user.
func restricted(t *testing.T, pod podSpec) {
	t.Helper()
	user, _ := strconv.Atoi(strings.Split(match(t, read(t, "../Dockerfile"), `(?m)^USER (\S+)$`), ":")[0])
	sc := pod.SecurityContext
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != user ||
		sc.RunAsGroup == nil || *sc.RunAsGroup != user || sc.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("pod securityContext runAsNonRoot %v, runAsUser %v, runAsGroup %v, seccomp %q: want true, the image's user %d and group, RuntimeDefault",
			val(sc.RunAsNonRoot), val(sc.RunAsUser), val(sc.RunAsGroup), sc.SeccompProfile.Type, user)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("the pod shares a host namespace")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token it never uses")
	}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s is a host path", v.Name)
		}
	}
	for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
		csc := c.SecurityContext
		var wrong []string
		if csc.Privileged {
			wrong = append(wrong, "privileged")
		}
		if csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			wrong = append(wrong, "allowPrivilegeEscalation not false")
		}
		if csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
			wrong = append(wrong, "readOnlyRootFilesystem not true")
		}
		if !slices.Equal(csc.Capabilities.Drop, []string{"ALL"}) || len(csc.Capabilities.Add) > 0 {
			wrong = append(wrong, fmt.Sprintf("capabilities drop %v add %v, want drop [ALL] alone", csc.Capabilities.Drop, csc.Capabilities.Add))
		}
		if csc.RunAsUser != nil && *csc.RunAsUser == 0 {
			wrong = append(wrong, "runAsUser 0")
		}
		if len(wrong) > 0 {
			t.Errorf("%s: securityContext: %s", c.Name, strings.Join(wrong, "; "))
		}
	}
}

// serverContainer is the container running serve, with the image's
// entrypoint (args only).
func serverContainer(t *testing.T, pod podSpec) container {
	t.Helper()
	for _, c := range pod.Containers {
		if slices.Equal(c.Args, []string{"serve"}) {
			return c
		}
	}
	t.Fatal("no container runs serve")
	return container{}
}

// probesAndService: the probes ask serve's /healthz and /readyz on the
// port it listens on, and the Service sends traffic there.
func probesAndService(t *testing.T, m manifests, server container, podLabels map[string]string) {
	t.Helper()
	listen := ""
	for _, e := range server.Env {
		if e.Name == "COMPOSEGUARD_LISTEN" {
			listen = e.Value
		}
	}
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatalf("COMPOSEGUARD_LISTEN %q: %v", listen, err)
	}
	listening, _ := strconv.Atoi(port)
	// containerPort resolves a port as the kubelet does: a number, or the
	// name of one of the container's ports.
	containerPort := func(p any) int {
		switch p := p.(type) {
		case int:
			return p
		case string:
			for _, cp := range server.Ports {
				if cp.Name == p {
					return cp.ContainerPort
				}
			}
		}
		return 0
	}
	for name, want := range map[string]struct {
		probe *probe
		path  string
	}{"startup": {server.StartupProbe, "/healthz"}, "liveness": {server.LivenessProbe, "/healthz"}, "readiness": {server.ReadinessProbe, "/readyz"}} {
		if want.probe == nil || want.probe.HTTPGet == nil {
			t.Errorf("no %s probe over HTTP", name)
			continue
		}
		if g := want.probe.HTTPGet; g.Path != want.path || containerPort(g.Port) != listening {
			t.Errorf("%s probe asks %s on port %v; serve answers %s on %d", name, g.Path, g.Port, want.path, listening)
		}
	}

	var svc kubeService
	m.one(t, "Service", &svc)
	if !selects(svc.Spec.Selector, podLabels) {
		t.Errorf("the Service selects %v, not the pods %v", svc.Spec.Selector, podLabels)
	}
	if len(svc.Spec.Ports) == 0 {
		t.Error("the Service has no port")
	}
	for _, p := range svc.Spec.Ports {
		if containerPort(p.TargetPort) != listening {
			t.Errorf("the Service's port %d goes to %v; serve listens on %d", p.Port, p.TargetPort, listening)
		}
	}
}

// secretsExist: every secret the pod reads is a key of the Secret, which
// the repository ships without a value; the App's key is a file only the
// pod's user can read.
func secretsExist(t *testing.T, m manifests, pod podSpec) {
	t.Helper()
	var s kubeSecret
	o := m.one(t, "Secret", &s)
	for key, value := range s.StringData {
		if value != "" {
			t.Errorf("the example Secret holds a value for %s", key)
		}
	}
	if len(s.Data) > 0 {
		t.Error("the example Secret holds data")
	}
	refs := 0
	databases := map[string]bool{} // where each container's COMPOSEGUARD_DATABASE_URL comes from
	for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
		for _, e := range c.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			refs++
			if e.Name == "COMPOSEGUARD_DATABASE_URL" {
				databases[ref.Name+"/"+ref.Key] = true
			}
			if _, ok := s.StringData[ref.Key]; ref.Name != o.Metadata.Name || (!ok && !ref.Optional) {
				t.Errorf("%s: %s reads %s/%s, which the Secret %s does not have", c.Name, e.Name, ref.Name, ref.Key, o.Metadata.Name)
			}
		}
	}
	if refs == 0 {
		t.Error("no setting comes from the Secret")
	}
	// The init container migrates the database the replicas serve from.
	if len(databases) != 1 {
		t.Errorf("the containers read COMPOSEGUARD_DATABASE_URL from %v, want one Secret key", slices.Sorted(maps.Keys(databases)))
	}

	server := serverContainer(t, pod)
	keyFile := ""
	for _, e := range server.Env {
		if e.Name == "GITHUB_APP_PRIVATE_KEY_FILE" {
			keyFile = e.Value
		}
		if e.Name == "COMPOSEGUARD_DATABASE_URL" && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Error("COMPOSEGUARD_DATABASE_URL, which holds the database's password, is not read from the Secret")
		}
	}
	found := false
	for _, v := range pod.Volumes {
		if v.Secret == nil {
			continue
		}
		if v.Secret.SecretName != o.Metadata.Name {
			t.Errorf("volume %s mounts the Secret %s, which is not in deploy/kubernetes", v.Name, v.Secret.SecretName)
		}
		for _, vm := range server.VolumeMounts {
			if vm.Name != v.Name {
				continue
			}
			for _, item := range v.Secret.Items {
				if path := vm.MountPath + "/" + item.Path; path != keyFile {
					continue
				}
				found = true
				if _, ok := s.StringData[item.Key]; !ok {
					t.Errorf("the key file is the Secret's %s, which it does not have", item.Key)
				}
				mode := item.Mode
				if mode == nil {
					mode = v.Secret.DefaultMode
				}
				// The kubelet adds group read for the pod's fsGroup, the
				// image's user.
				if mode == nil || *mode != 0o400 || pod.SecurityContext.FSGroup == nil || *pod.SecurityContext.FSGroup != *pod.SecurityContext.RunAsUser {
					t.Errorf("the key file's mode %#o with fsGroup %v: want 0400, given to the pod's user's group", val(mode), val(pod.SecurityContext.FSGroup))
				}
			}
		}
	}
	if !found {
		t.Errorf("GITHUB_APP_PRIVATE_KEY_FILE %q is no file of a Secret volume the server mounts", keyFile)
	}
}

// val is what p points at, for a message.
func val[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}

// selects reports whether a selector's labels are all among labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// quantity reads a Kubernetes memory quantity in bytes: a number with an
// optional binary (Ki, Mi, Gi) or decimal (k, M, G) suffix.
func quantity(q string) (int64, error) {
	for _, u := range []struct {
		suffix string
		factor int64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}} {
		if n, ok := strings.CutSuffix(q, u.suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			return v * u.factor, err
		}
	}
	return strconv.ParseInt(q, 10, 64)
}
