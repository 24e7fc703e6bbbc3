package checks

import (
	"strconv"
	"strings"
	"testing"
)

func TestDotenvCommitted(t *testing.T) {
	base := "services:\n  app:\n    image: app:1\n"
	cases := []struct {
		name  string
		files map[string]string
		want  string // "file:line KEY" of each finding
	}{
		{"project .env", map[string]string{"compose.yaml": base, ".env": "TZ=Europe/Berlin\n# db\nDB_PASSWORD=hunter2\n"}, ".env:3 DB_PASSWORD"},
		{"export, quotes, colon", map[string]string{"compose.yaml": base, ".env": "export API_KEY='abc'\nJWT_SECRET: \"x y\"\n"}, ".env:1 API_KEY, .env:2 JWT_SECRET"},
		{"project in a subdirectory", map[string]string{"stack/compose.yaml": base, "stack/.env": "APP_TOKEN=abc\n", ".env": "APP_TOKEN=abc\n"}, "stack/.env:1 APP_TOKEN"},
		{"env_file string", map[string]string{"compose.yaml": base + "    env_file: app.env\n", "app.env": "SMTP_PASS=abc\n"}, "app.env:1 SMTP_PASS"},
		{"env_file list with path form", map[string]string{
			"compose.yaml": base + "    env_file:\n      - ./conf/a.env\n      - path: conf/b.env\n        required: false\n",
			"conf/a.env":   "A_SECRET=1x\n", "conf/b.env": "B_TOKEN=2y\n"}, "conf/a.env:1 A_SECRET, conf/b.env:1 B_TOKEN"},
		{"env_file naming .env reported once", map[string]string{"compose.yaml": base + "    env_file: .env\n", ".env": "DB_PASSWORD=hunter2\n"}, ".env:1 DB_PASSWORD"},
		{"examples are documentation", map[string]string{"compose.yaml": base + "    env_file: [.env.example, app.sample.env, env.template]\n",
			".env.example": "DB_PASSWORD=changeme\n", "app.sample.env": "DB_PASSWORD=changeme\n", "env.template": "DB_PASSWORD=changeme\n"}, ""},
		{"empty values and non-secrets", map[string]string{"compose.yaml": base, ".env": "DB_PASSWORD=\nTZ=UTC\nPASSWORD_MIN_LENGTH=12\nAUTH_ENABLED=true\nSECRET_FILE=/run/secrets/x\n"}, ""},
		{"secret spellings the name classifier knows", map[string]string{"compose.yaml": base, ".env": "WEBPASSWORD=changeit\nADMIN_PW=x\nDB_PWD=y\nMAILCOW_PASS_SCHEME=BLF-CRYPT\nS3_ACCESS_KEY=minio\n"},
			".env:1 WEBPASSWORD, .env:2 ADMIN_PW, .env:3 DB_PWD"},
		{"value from another variable", map[string]string{"compose.yaml": base, ".env": "DB_PASSWORD=${OTHER}\n"}, ""},
		{"no .env", map[string]string{"compose.yaml": base}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range runRuleFiles(t, "dotenv-committed", DefaultOptions(), tc.files) {
				got = append(got, f.Pos.File+":"+strconv.Itoa(f.Pos.Line)+" "+f.KeyPath)
				if f.Severity != High || f.Service != "" || strings.Contains(f.Message, "hunter2") {
					t.Errorf("finding = %+v", f)
				}
			}
			if strings.Join(got, ", ") != tc.want {
				t.Errorf("findings = %v, want %v", got, tc.want)
			}
		})
	}
}
