package compose

import (
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Findings land on the line that set the value: the anchor, the override
// file, the extends base, the !reset — or the service when the key is absent.

func TestWhereFollowsAnchorsOverridesAndExtends(t *testing.T) {
	snap := MapSnapshot{
		"compose.yaml": []byte(`x-common: &common
  read_only: true
  cap_drop: [ALL]
services:
  web:
    <<: *common
    image: nginx
    privileged: false
    security_opt:
      - no-new-privileges:true
  api:
    <<: [*common]
    image: api
    read_only: false
  base:
    image: base
    cap_add: [NET_ADMIN]
    pids_limit: 100
    deploy:
      restart_policy:
        condition: on-failure
  worker:
    extends: base
    image: worker
  job:
    extends:
      service: base
    pids_limit: 50
  remote:
    extends:
      file: lib/base.yml
      service: tuned
`),
		"compose.override.yaml": []byte(`services:
  web:
    privileged: true
    security_opt: !reset []
  base:
    deploy: !reset {}
`),
		"lib/base.yml": []byte(`services:
  tuned:
    image: tuned
    mem_limit: 256m
`),
	}
	p := loaded(t, loadFiles(t, snap, "compose.yaml", "compose.override.yaml"))

	tests := []struct {
		name    string
		service string
		keys    []string
		want    string
	}{
		{"value from an anchor via <<", "web", []string{"read_only"}, "compose.yaml:2"},
		{"sequence from an anchor reports its key", "web", []string{"cap_drop"}, "compose.yaml:3"},
		{"anchor in a merge list", "api", []string{"cap_drop"}, "compose.yaml:3"},
		{"own key beats the merged one", "api", []string{"read_only"}, "compose.yaml:14"},
		{"value set in the override", "web", []string{"privileged"}, "compose.override.yaml:3"},
		{"value only in the main file", "web", []string{"image"}, "compose.yaml:7"},
		{"!reset in the override", "web", []string{"security_opt"}, "compose.override.yaml:4"},
		{"missing key reports the service", "web", []string{"mem_limit"}, "compose.yaml:5"},
		{"extends base in the same file", "worker", []string{"cap_add"}, "compose.yaml:17"},
		{"extends, own value wins", "worker", []string{"image"}, "compose.yaml:24"},
		{"extends long form, own value wins", "job", []string{"pids_limit"}, "compose.yaml:28"},
		{"extends long form, base value", "job", []string{"image"}, "compose.yaml:16"},
		{"extends base in another file", "remote", []string{"mem_limit"}, "lib/base.yml:4"},
		{"missing key in an extended service", "remote", []string{"read_only"}, "compose.yaml:29"},
		{"one item of a sequence", "web", []string{"cap_drop", "0"}, "compose.yaml:3"},
		{"a parent !reset in the override", "base", []string{"deploy", "restart_policy", "condition"}, "compose.override.yaml:6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := posString(p.Where(tt.service, tt.keys...)); got != tt.want {
				t.Errorf("Where(%s, %v) = %s, want %s", tt.service, tt.keys, got, tt.want)
			}
		})
	}

	// The model agrees with what the positions claim.
	web := p.Model.Services["web"]
	if !web.ReadOnly || !web.Privileged || len(web.SecurityOpt) != 0 {
		t.Errorf("web: read_only %v privileged %v security_opt %v; want true, true (override), empty (!reset)", web.ReadOnly, web.Privileged, web.SecurityOpt)
	}
	if api := p.Model.Services["api"]; api.ReadOnly {
		t.Error("api: read_only should be its own false")
	}
	if w := p.Model.Services["worker"]; len(w.CapAdd) != 1 || w.Image != "worker" || w.PidsLimit != 100 {
		t.Errorf("worker: %v %q %d, want the base merged", w.CapAdd, w.Image, w.PidsLimit)
	}
	if r := p.Model.Services["remote"]; r.MemLimit != 256<<20 || r.Image != "tuned" {
		t.Errorf("remote: mem_limit %d image %q, want the other file's base", r.MemLimit, r.Image)
	}

	if d := p.Model.Services["base"].Deploy; d != nil {
		t.Errorf("base deploy = %+v, want removed by !reset", d)
	}
	if l, ok := p.Locate("web", "security_opt"); !ok || !l.Reset() {
		t.Errorf("Locate(web, security_opt) = %+v, %v; want a !reset", l, ok)
	}
	all := p.LocateAll("web", "privileged")
	if len(all) != 2 || posString(all[0].Pos) != "compose.override.yaml:3" || posString(all[1].Pos) != "compose.yaml:8" {
		t.Errorf("LocateAll(web, privileged) = %+v, want the override then the main file", all)
	}
	if got := posString(p.ServicePos("remote")); got != "compose.yaml:29" {
		t.Errorf("ServicePos(remote) = %s", got)
	}
	if l, ok := p.LocateTop("x-common", "read_only"); !ok || posString(l.Pos) != "compose.yaml:2" || p.Line(l.Pos) != "  read_only: true" {
		t.Errorf("LocateTop = %+v %v, line %q", l, ok, p.Line(l.Pos))
	}
}

func TestItemsAcrossMainAndOverride(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{
		"docker-compose.yml": []byte(`services:
  web:
    image: nginx
    ports:
      - "80:80"
      - target: 443
        published: 443
  db:
    image: postgres
    ports: ["5432:5432"]
`),
		"docker-compose.override.yml": []byte(`services:
  web:
    ports:
      - "127.0.0.1:8080:8080"
  db:
    ports: !override
      - "127.0.0.1:5432:5432"
`),
	}, "docker-compose.yml", "docker-compose.override.yml"))

	var got []string
	for _, it := range p.Items("web", "ports") {
		got = append(got, posString(it.Pos))
	}
	want := []string{"docker-compose.override.yml:4", "docker-compose.yml:5", "docker-compose.yml:6"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Items(web, ports) at %v, want %v", got, want)
	}
	if n := len(p.Model.Services["web"].Ports); n != 3 {
		t.Errorf("web has %d ports, want 3 (overrides append)", n)
	}

	got = nil
	for _, it := range p.Items("db", "ports") {
		got = append(got, posString(it.Pos))
	}
	if !reflect.DeepEqual(got, []string{"docker-compose.override.yml:7"}) {
		t.Errorf("Items(db, ports) at %v, want only the !override item", got)
	}
	if ports := p.Model.Services["db"].Ports; len(ports) != 1 || ports[0].HostIP != "127.0.0.1" {
		t.Errorf("db ports %+v, want only the override's", ports)
	}

	pos := p.FindItem("web", func(n *yaml.Node) bool { return n.Value == "80:80" }, "ports")
	if posString(pos) != "docker-compose.yml:5" {
		t.Errorf("FindItem = %s", posString(pos))
	}
	pos = p.FindItem("web", func(n *yaml.Node) bool { return false }, "ports")
	if posString(pos) != "docker-compose.override.yml:3" {
		t.Errorf("FindItem with no match = %s, want the strongest key", posString(pos))
	}
}
