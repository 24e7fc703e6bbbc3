package audit

import (
	"strings"
	"testing"
)

// An app store: every app's compose file joins a network its shared file
// declares. Declared in the policy, each app loads with the shared file and
// nothing is missing; undeclared, each app is reported incomplete once and
// its services are still checked.
func TestAuditAppStoreLayout(t *testing.T) {
	files := map[string]string{
		"common/networks.yml": "networks:\n  apps:\n    name: apps\n",
		"apps/blog/docker-compose.yml": `services:
  blog:
    image: ghost:5
    privileged: true
    networks: [apps]
`,
		"apps/wiki/docker-compose.yml": `services:
  wiki:
    image: wikijs:2
    volumes:
      - ${APP_DATA_DIR}:/data
    networks: [apps]
`,
	}
	declared := withPolicy(t, `projects:
  - files: [common/networks.yml, "apps/*/docker-compose.yml"]
    each: "apps/*/docker-compose.yml"
`, "privileged-container", "compose-incomplete", "compose-invalid")
	r := audit(t, files, declared)
	expect(t, "declared", r.Findings,
		"privileged-container blog@apps/blog/docker-compose.yml:4",
		"compose-incomplete wiki@apps/wiki/docker-compose.yml:5")
	if r.FilesAudited != 3 || len(r.units) != 2 {
		t.Errorf("FilesAudited = %d, units %+v", r.FilesAudited, r.units)
	}
	// The variable's finding names it and says how to fix it.
	for _, f := range r.Findings {
		if f.Rule == "compose-incomplete" && (!strings.Contains(f.Message, "${APP_DATA_DIR}") || !strings.Contains(f.Fix, "projects:")) {
			t.Errorf("finding %+v", f)
		}
	}

	r = audit(t, files, onlyRules("privileged-container", "compose-incomplete", "compose-invalid"))
	expect(t, "undeclared", r.Findings,
		"privileged-container blog@apps/blog/docker-compose.yml:4",
		"compose-incomplete blog@apps/blog/docker-compose.yml:5",
		"compose-incomplete wiki@apps/wiki/docker-compose.yml:5",
		"compose-incomplete wiki@apps/wiki/docker-compose.yml:6")
}

// An override is audited merged with the main file it overrides, beside
// it or in a folder below, never alone; a service counts once in the score
// however many variants of its deployment there are.
func TestAuditOverrideFragments(t *testing.T) {
	pol := onlyRules("privileged-container", "compose-incomplete", "compose-invalid")
	main := "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:16\n"
	r := audit(t, map[string]string{
		"docker-compose.yml":                             main,
		"docker-compose.override.yml":                    "services:\n  web:\n    cap_add: [NET_ADMIN]\n",
		"helpers/privileged/docker-compose.override.yml": "services:\n  db:\n    privileged: true\n",
		"helpers/build/docker-compose.override.yml":      "services:\n  web:\n    build: ./web\n  db:\n    build: ./db\n",
	}, pol)
	expect(t, "findings", r.Findings, "privileged-container db@helpers/privileged/docker-compose.override.yml:3")
	if len(r.units) != 2 {
		t.Errorf("units %+v: web and db, once each", r.units)
	}
	// 3 projects (the main file with its override, and one per helper),
	// 4 files.
	if r.FilesAudited != 4 {
		t.Errorf("FilesAudited = %d", r.FilesAudited)
	}
	// Scored as the one deployment it is.
	if one := audit(t, map[string]string{"docker-compose.yml": main + "    privileged: true\n"}, pol); r.Score != one.Score {
		t.Errorf("score %+v, want %+v as for the main file with db privileged", r.Score, one.Score)
	}

	// Without a main file above it, an override is one incomplete finding,
	// and its services are still checked.
	r = audit(t, map[string]string{
		"vendor/docker-compose.yml":                      main,
		"helpers/privileged/docker-compose.override.yml": "services:\n  db:\n    privileged: true\n",
	}, pol)
	expect(t, "lone", r.Findings,
		"compose-incomplete @helpers/privileged/docker-compose.override.yml:1",
		"privileged-container db@helpers/privileged/docker-compose.override.yml:3")
}

func TestAuditComposeFileWithCustomSeparator(t *testing.T) {
	r := audit(t, map[string]string{
		".env":             "COMPOSE_PATH_SEPARATOR=,\nCOMPOSE_FILE=deploy/base.yml,deploy/prod.yml\n",
		"deploy/base.yml":  "services:\n  web:\n    image: nginx:1.27\n    networks: [edge]\n",
		"deploy/prod.yml":  "services:\n  web:\n    privileged: true\nnetworks:\n  edge: {}\n",
		"compose.dev.yaml": "services:\n  dev:\n    image: nginx:1.27\n",
	}, onlyRules("privileged-container", "compose-incomplete", "compose-invalid"))
	expect(t, "findings", r.Findings, "privileged-container web@deploy/prod.yml:3")
	if r.FilesAudited != 3 {
		t.Errorf("FilesAudited = %d", r.FilesAudited)
	}
}

func TestAuditProjectDefinitionFindings(t *testing.T) {
	pol := withPolicy(t, "projects:\n  - files: [shared/net.yml, \"apps/*/compose.yml\"]\n    each: \"apps/*/compose.yml\"\n", "privileged-container")
	r := audit(t, map[string]string{
		"stacks/compose.yaml":         privilegedWeb,
		"stacks/.composeguard.yml":    "rules:\n  privileged-container: off\n",
		"unrelated/.composeguard.yml": "fail_on: never\n",
	}, pol)
	expect(t, "findings", r.Findings,
		"policy-invalid @.composeguard.yml:2",
		"policy-invalid @.composeguard.yml:2",
		"policy-nested @stacks/.composeguard.yml:1",
		"privileged-container web@stacks/compose.yaml:4")
	if msg := r.Findings[0].Message + r.Findings[1].Message; !strings.Contains(msg, "shared/net.yml") || !strings.Contains(msg, "apps/*/compose.yml") {
		t.Errorf("the unmatched globs must be named: %q", msg)
	}
}
