package checks

import (
	"strconv"
	"strings"
	"testing"
)

func TestEnvExampleMissingVar(t *testing.T) {
	compose := "services:\n  db:\n    image: postgres:${PG_VERSION:-16}\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:?set it}\n      POSTGRES_DB: $DB_NAME\n      PGDATA: ${PGDATA:+/data}\n      X: $${NOT_COMPOSE} ${DB_NAME}\n      Y: ${A:-${NESTED}}\n"
	cases := []struct {
		name  string
		files map[string]string
		want  string // "file:line VAR" of each finding
	}{
		{"no example file: one finding", map[string]string{"compose.yaml": compose}, "compose.yaml:5 .env.example"},
		{"example lists some", map[string]string{"compose.yaml": compose, ".env.example": "DB_PASSWORD=\nexport DB_NAME=app\n"},
			"compose.yaml:9 NESTED"},
		{"commented entry documents it", map[string]string{"compose.yaml": compose, ".env.sample": "DB_PASSWORD=\nDB_NAME=app\n# NESTED=value\n"}, ""},
		{"several example files", map[string]string{"compose.yaml": compose, ".env.example": "DB_PASSWORD=\n", ".env.template": "DB_NAME=\nNESTED=\n"}, ""},
		{"a value in .env is not documentation", map[string]string{"compose.yaml": compose, ".env": "DB_PASSWORD=x\nDB_NAME=x\nNESTED=x\n", ".env.example": "DB_PASSWORD=\nDB_NAME=\n"},
			"compose.yaml:9 NESTED"},
		{"override file", map[string]string{"compose.yaml": "services:\n  a:\n    image: a:1\n", "compose.override.yaml": "services:\n  a:\n    ports:\n      - ${BIND}:80:80\n", ".env.example": "X=\n"},
			"compose.override.yaml:4 BIND"},
		{"example beside the compose file only", map[string]string{"stack/compose.yaml": "services:\n  a:\n    image: a:${TAG}\n", ".env.example": "TAG=\n"},
			"stack/compose.yaml:3 .env.example"},
		{"keys are not interpolated", map[string]string{"compose.yaml": "services:\n  a:\n    image: a:1\n    labels:\n      ${K}: v\n"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range runRuleFiles(t, "env-example-missing-var", DefaultOptions(), tc.files) {
				got = append(got, f.Pos.File+":"+strconv.Itoa(f.Pos.Line)+" "+f.KeyPath)
				if f.Severity != Low || (f.KeyPath != ".env.example" && !strings.Contains(f.Message, "${"+f.KeyPath+"}")) {
					t.Errorf("finding = %+v", f)
				}
			}
			if strings.Join(got, ", ") != tc.want {
				t.Errorf("findings = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEnvExampleMissingVarMessage(t *testing.T) {
	fs := runRule(t, "env-example-missing-var", "services:\n  a:\n    image: a:${A}\n    environment:\n      - B=${B}${C}\n      - D=$D\n      - E=${E:?}\n      - F=${F}\n      - G=$A\n")
	want := "no .env.example lists the variables used without a default (6): ${A}, ${B}, ${C}, ${D}, ${E}, …"
	if len(fs) != 1 || fs[0].Message != want {
		t.Errorf("findings = %+v, want one: %s", fs, want)
	}
}
