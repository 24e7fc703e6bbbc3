package compose

import (
	"reflect"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// incomplete summarizes a project's compose-incomplete problems as
// "file:line service: message" and fails on any other problem.
func incomplete(t *testing.T, p *Project) []string {
	t.Helper()
	var out []string
	for _, pr := range p.Problems {
		if pr.Rule != RuleIncomplete {
			t.Errorf("unexpected problem %+v", pr)
			continue
		}
		out = append(out, posString(pr.Pos)+" "+pr.Service+": "+pr.Message)
	}
	return out
}

func wantIncomplete(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d compose-incomplete problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
}

// An app store's app file joins the network its shared file declares:
// alone, it is reported once at the line that joins the network, and it
// loads with the network as an external stand-in.
func TestAppFileWithoutItsSharedNetworkIsIncomplete(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"apps/blog/docker-compose.yml": []byte(`services:
  blog:
    image: ghost:5
    privileged: true
    networks:
      - apps
  db:
    image: mysql:8
    networks: [apps]
`)}, "apps/blog/docker-compose.yml"))
	wantIncomplete(t, incomplete(t, p),
		`apps/blog/docker-compose.yml:6 blog: network "apps" is not declared in this project, but blog joins it`)
	if n := p.Model.Networks["apps"]; !bool(n.External) {
		t.Errorf("the missing network must be an external stand-in: %+v", n)
	}
	if !p.Model.Services["blog"].Privileged {
		t.Error("the rest of the service must be in the model")
	}
}

func TestEveryKindOfGapIsReportedOnceAtItsUse(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(`services:
  web:
    depends_on: [db]
    volumes:
      - data:/var/lib/data
    secrets:
      - source: token
    configs: [site]
  worker:
    image: worker:1
    volumes: ["data:/data"]
`)}))
	wantIncomplete(t, incomplete(t, p),
		`compose.yaml:2 web: service "web" has neither image nor build here`,
		`compose.yaml:5 web: volume "data" is not declared in this project, but web mounts it`,
		`compose.yaml:7 web: secret "token" is not declared`,
		`compose.yaml:8 web: config "site" is not declared`,
		`compose.yaml:3 web: service "db" is not defined in this project, but web depends on it`,
	)
	if v := p.Model.Volumes["data"]; !bool(v.External) {
		t.Errorf("volume stand-in %+v", v)
	}
	if img := p.Model.Services["web"].Image; img != "" {
		t.Errorf("a stand-in image reached the model: %q", img)
	}
	if _, ok := p.Model.Services["db"]; ok {
		t.Error("a stand-in service reached the model")
	}
}

// A variable the platform sets at deploy time (CasaOS's $AppID, Umbrel's
// ${APP_DATA_DIR}) keeps its meaning: a bind mount from an unknown path is
// still a bind mount, an unknown published port still listens on every
// interface, and an unknown container name is still a valid one.
func TestPlatformVariableInABindSourceAndAPort(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(`services:
  app:
    image: nginx:1.27
    container_name: $AppID
    ports:
      - "${APP_PORT}:80"
    volumes:
      - ${APP_DATA_DIR}:/data
      - /DATA/AppData/$AppID/config:/config
`)}))
	got := incomplete(t, p)
	// Reported once, at the first line Compose rejects.
	wantIncomplete(t, got, `compose.yaml:8 app: Compose rejects this file without a value for ${APP_DATA_DIR}`)
	s := p.Model.Services["app"]
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind || !strings.HasPrefix(v.Source, "/") {
			t.Errorf("volume %+v must stay a bind mount from a host path", v)
		}
	}
	if len(s.Ports) != 1 || (s.Ports[0].HostIP != "" && s.Ports[0].HostIP != "0.0.0.0") || s.Ports[0].Target != 80 {
		t.Errorf("ports %+v: the port must still be published on every interface", s.Ports)
	}
	if s.ContainerName == "" {
		t.Error("container_name stand-in is empty")
	}
	for key, want := range map[string][]string{"container_name": {"AppID"}, "ports": {"APP_PORT"}} {
		if l, ok := p.Locate("app", key); !ok || !reflect.DeepEqual(p.Unknown(l.Value), want) {
			t.Errorf("%s: Unknown = %v, want %v: the rules must still see an unknown value", key, p.Unknown(l.Value), want)
		}
	}
}

// A file that is complete but for an unknown variable in a port loads as
// Compose would: nothing to report.
func TestUnknownPortAloneIsNoGap(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte("services:\n  app:\n    image: nginx:1.27\n    ports: [\"${APP_PORT}:80\"]\n")}))
	wantIncomplete(t, incomplete(t, p))
}

// Documenso's template sets PORT=${DOCUMENSO_PORT} in environment first
// and publishes ${DOCUMENSO_PORT} further down: Compose passes an empty
// environment value on, and rejects the empty port, so the finding is at
// the port.
func TestPlatformPortFirstUsedInEnvironmentIsReportedAtThePort(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(`services:
  documenso:
    image: documenso/documenso:1.9
    environment:
      - PORT=${DOCUMENSO_PORT}
    labels:
      app.port: ${DOCUMENSO_PORT}
    ports:
      - ${DOCUMENSO_PORT}
`)}))
	wantIncomplete(t, incomplete(t, p), `compose.yaml:9 documenso: Compose rejects this file without a value for ${DOCUMENSO_PORT}`)
}

// Lavalink's template writes SERVER_PORT: "${SERVER_PORT:-2333}" before
// the port that uses ${SERVER_PORT} bare: the use with a default needs
// nothing and is not where the finding goes.
func TestVariableWithADefaultOnItsFirstUseIsReportedWhereItHasNone(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(`services:
  lavalink:
    image: ghcr.io/lavalink-devs/lavalink:4.0.8
    environment:
      SERVER_PORT: "${SERVER_PORT:-2333}"
    ports:
      - ${SERVER_PORT}
`)}))
	wantIncomplete(t, incomplete(t, p), `compose.yaml:7 lavalink: Compose rejects this file without a value for ${SERVER_PORT}, which has none`)
}

// Teable publishes "${TEABLE_DB_PORT}:${POSTGRES_PORT}": an empty host port
// is a random one, so only the container port is named.
func TestOnlyTheVariablesALineCannotDoWithoutAreNamed(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(`services:
  teable-db:
    image: postgres:15.4
    ports:
      - "${TEABLE_DB_PORT}:${POSTGRES_PORT}"
`)}))
	wantIncomplete(t, incomplete(t, p), `compose.yaml:5 teable-db: Compose rejects this file without a value for ${POSTGRES_PORT}, which has none`)
}

// Both at once: a variable and a network from elsewhere.
func TestVariableAndNetworkGapsTogether(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{"compose.yaml": []byte(`services:
  app:
    image: nginx:1.27
    container_name: ${APP_ID}
    networks: [proxy]
`)}))
	wantIncomplete(t, incomplete(t, p),
		`compose.yaml:5 app: network "proxy" is not declared`,
		`compose.yaml:4 app: Compose rejects this file without a value for ${APP_ID}`)
}

// An override file whose main file the grouping did not find is reported
// once, however much it misses, and its services are still loaded.
func TestLoneOverrideIsReportedOnceAndLoads(t *testing.T) {
	p := loaded(t, loadFiles(t, MapSnapshot{
		"helper/docker-compose.override.yml": []byte("## a helper\nservices:\n  web:\n    privileged: true\n    networks: [proxy]\n  db:\n    dns: [1.1.1.1]\n"),
	}, "helper/docker-compose.override.yml"))
	wantIncomplete(t, incomplete(t, p),
		`helper/docker-compose.override.yml:2 : helper/docker-compose.override.yml is an override file, but no main file it extends`)
	if len(p.Model.Services) != 2 || !p.Model.Services["web"].Privileged {
		t.Errorf("services %+v", p.Model.Services)
	}
	if got := posString(p.Where("web", "privileged")); got != "helper/docker-compose.override.yml:4" {
		t.Errorf("privileged at %s", got)
	}
	// Complete on its own, it is still a fragment: Compose never loads an
	// override without its main file.
	p = loaded(t, loadFiles(t, MapSnapshot{"compose.override.yaml": []byte("services:\n  web:\n    image: nginx:1.27\n")}, "compose.override.yaml"))
	wantIncomplete(t, incomplete(t, p), `compose.override.yaml:1 : compose.override.yaml is an override file`)
}
