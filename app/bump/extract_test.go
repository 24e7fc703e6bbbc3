package bump

import (
	"fmt"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/compose"
)

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// describe prints a reference with the bytes its spans cover, so a test
// shows exactly what an edit would replace.
func describe(snap compose.MapSnapshot, r Reference) string {
	who := strings.Join(r.Services, ",")
	if r.Block != "" {
		who += "@" + r.Block
	}
	s := fmt.Sprintf("%s:%d [%s] %s tag %s:%d=%q", r.File, r.Line, who, r.Text, r.Tag.File, r.Tag.Line, snap[r.Tag.File][r.Tag.Start:r.Tag.End])
	if r.Digest != (Span{}) {
		s += fmt.Sprintf(" digest %s:%d=%q", r.Digest.File, r.Digest.Line, snap[r.Digest.File][r.Digest.Start:r.Digest.End])
	}
	return s
}

func TestExtract(t *testing.T) {
	cases := []struct {
		name    string
		files   compose.MapSnapshot
		refs    []string
		skipped []string // file:line [services] and a part of the reason
	}{
		{
			name:  "plain, quoted, flow style and a comment after the value",
			files: compose.MapSnapshot{"compose.yaml": []byte("services:\n  db:\n    image: postgres:16.2-alpine # pinned\n  web:\n    image: \"nginx:1.25\"\n  cache: {image: 'redis:7.2', ports: [6379]}\n")},
			refs: []string{
				`compose.yaml:3 [db] postgres:16.2-alpine tag compose.yaml:3="16.2-alpine"`,
				`compose.yaml:5 [web] nginx:1.25 tag compose.yaml:5="1.25"`,
				`compose.yaml:6 [cache] redis:7.2 tag compose.yaml:6="7.2"`,
			},
		},
		{
			name:  "CRLF line endings, a byte order mark and a wide character before the value",
			files: compose.MapSnapshot{"compose.yaml": []byte("\ufeffservices:\r\n  db:\r\n    image: postgres:16.2\r\n  app: {labels: {é: ü}, image: \"traefik:v3.2.0\"}\r\n")},
			refs: []string{
				`compose.yaml:3 [db] postgres:16.2 tag compose.yaml:3="16.2"`,
				`compose.yaml:4 [app] traefik:v3.2.0 tag compose.yaml:4="v3.2.0"`,
			},
		},
		{
			name:  "an anchored value and its alias are one reference",
			files: compose.MapSnapshot{"compose.yaml": []byte("services:\n  a:\n    image: &img redis:7.2\n  b:\n    image: *img\n")},
			refs:  []string{`compose.yaml:3 [a,b] redis:7.2 tag compose.yaml:3="7.2"`},
		},
		{
			name: "x- blocks, merged into services or not",
			files: compose.MapSnapshot{"compose.yaml": []byte(`x-base: &base
  image: ghcr.io/org/app:1.4.0
  restart: always
x-tools:
  migrate:
    image: flyway/flyway:10.1
services:
  web:
    <<: *base
  worker:
    <<: *base
    command: work
`)},
			refs: []string{
				`compose.yaml:2 [web,worker@x-base] ghcr.io/org/app:1.4.0 tag compose.yaml:2="1.4.0"`,
				`compose.yaml:6 [@x-tools] flyway/flyway:10.1 tag compose.yaml:6="10.1"`,
			},
		},
		{
			name: "defaults of ${VAR:-…}: only the inner default is edited",
			files: compose.MapSnapshot{"compose.yaml": []byte(`services:
  db:
    image: ${PG_IMAGE:-postgres:16.2}
  auth:
    image: ${AUTH_IMAGE:-ghcr.io/goauthentik/server}:${AUTH_TAG:-2026.2.2}
  quoted:
    image: "${NGINX:-nginx:1.25}"
`)},
			refs: []string{
				`compose.yaml:3 [db] postgres:16.2 tag compose.yaml:3="16.2"`,
				`compose.yaml:5 [auth] ghcr.io/goauthentik/server:2026.2.2 tag compose.yaml:5="2026.2.2"`,
				`compose.yaml:7 [quoted] nginx:1.25 tag compose.yaml:7="1.25"`,
			},
		},
		{
			name: "tags held in the project's .env",
			files: compose.MapSnapshot{
				"stack/compose.yaml": []byte("services:\n  app:\n    image: registry.example:5000/team/app:${APP_TAG}\n  db:\n    image: postgres:${PG_TAG:-15.4}\n  web:\n    image: nginx:$NGINX_TAG\n"),
				"stack/.env":         []byte("# versions\nAPP_TAG=1.4.2\nexport PG_TAG=\"16.2-alpine\" # set by ops\r\nNGINX_TAG: 1.27 # comment\n"),
			},
			refs: []string{
				`stack/compose.yaml:3 [app] registry.example:5000/team/app:1.4.2 tag stack/.env:2="1.4.2"`,
				`stack/compose.yaml:5 [db] postgres:16.2-alpine tag stack/.env:3="16.2-alpine"`,
				`stack/compose.yaml:7 [web] nginx:1.27 tag stack/.env:4="1.27"`,
			},
		},
		{
			name:  "digest pins",
			files: compose.MapSnapshot{"compose.yaml": []byte("services:\n  db:\n    image: postgres:16.2@" + digestA + "\n  proxy:\n    image: \"localhost:5000/traefik:latest@" + digestA + "\"\n  only:\n    image: redis@" + digestA + "\n")},
			refs: []string{
				`compose.yaml:3 [db] postgres:16.2@` + digestA + ` tag compose.yaml:3="16.2" digest compose.yaml:3="` + digestA + `"`,
				`compose.yaml:5 [proxy] localhost:5000/traefik:latest@` + digestA + ` tag compose.yaml:5="latest" digest compose.yaml:5="` + digestA + `"`,
			},
			skipped: []string{"compose.yaml:7 [only] pinned by digest only"},
		},
		{
			name: "services built locally are skipped, also when build: is in the override",
			files: compose.MapSnapshot{
				"compose.yaml":          []byte("x-app: &app\n  build: .\n  image: org/app:1.0\nservices:\n  app:\n    build: .\n    image: org/app:1.0\n  api:\n    image: org/api:2.0\n  job:\n    <<: *app\n  db:\n    image: postgres:16.2\n"),
				"compose.override.yaml": []byte("services:\n  api:\n    build: ./api\n"),
			},
			refs: []string{`compose.yaml:13 [db] postgres:16.2 tag compose.yaml:13="16.2"`},
			skipped: []string{
				"compose.yaml:3 [job] built locally (x-app, job has build: and image:)",
				"compose.yaml:7 [app] built locally (app has build: and image:)",
				"compose.yaml:9 [api] built locally (api has build: and image:)",
			},
		},
		{
			name: "what cannot be read or edited is skipped with its reason",
			files: compose.MapSnapshot{
				"compose.yaml": []byte(`services:
  unknown:
    image: app:${NO_SUCH_TAG}
  untagged:
    image: nginx
  pieces:
    image: app:1.${MINOR:-2}
  folded:
    image: >-
      redis:7.2
  reset:
    image: !reset null
`),
			},
			skipped: []string{
				"compose.yaml:3 [unknown] uses ${NO_SUCH_TAG}, which has no value in .env and no default",
				"compose.yaml:5 [untagged] no tag, so Compose pulls latest",
				"compose.yaml:7 [pieces] the tag is not written as one run of text",
				"compose.yaml:9 [folded] the tag is not written as one run of text",
			},
		},
		{
			name: "one .env variable setting two images' tags is not moved",
			files: compose.MapSnapshot{
				"compose.yaml": []byte("services:\n  web:\n    image: org/web:${VERSION}\n  worker:\n    image: org/worker:${VERSION}\n  also-web:\n    image: org/web:${VERSION}\n"),
				".env":         []byte("VERSION=1.2.0\n"),
			},
			skipped: []string{
				"compose.yaml:3 [web] its tag, at .env:1, is shared by docker.io/org/web, docker.io/org/worker",
				"compose.yaml:5 [worker] its tag, at .env:1, is shared by",
				"compose.yaml:7 [also-web] its tag, at .env:1, is shared by",
			},
		},
		{
			name:    "a file that is not YAML",
			files:   compose.MapSnapshot{"compose.yaml": []byte("services: [\n")},
			skipped: []string{"compose.yaml:1 [] the file cannot be read"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var files []string
			for _, p := range tc.files.Paths() {
				if strings.HasSuffix(p, ".yaml") {
					files = append(files, p)
				}
			}
			inv := Extract(tc.files, files)
			var got []string
			for _, r := range inv.References {
				got = append(got, describe(tc.files, r))
			}
			if strings.Join(got, "\n") != strings.Join(tc.refs, "\n") {
				t.Errorf("references:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.refs, "\n"))
			}
			if len(inv.Skipped) != len(tc.skipped) {
				t.Fatalf("skipped %+v, want %d: %q", inv.Skipped, len(tc.skipped), tc.skipped)
			}
			for i, s := range inv.Skipped {
				line := fmt.Sprintf("%s:%d [%s] %s", s.File, s.Line, strings.Join(s.Services, ","), s.Reason)
				if !strings.Contains(line, tc.skipped[i]) {
					t.Errorf("skipped %q, want it to contain %q", line, tc.skipped[i])
				}
			}
		})
	}
}
