package checks

import (
	"strings"
	"testing"
)

func TestSecretDefaultInInterpolation(t *testing.T) {
	env := func(value string) string {
		return "services:\n  db:\n    image: postgres:16\n    environment:\n      " + value + "\n"
	}
	runCases(t, "secret-default-in-interpolation", []ruleCase{
		{":- default", env("POSTGRES_PASSWORD: ${DB_PASSWORD:-postgres}"), []string{"db@5 medium"}},
		{"- default", env("POSTGRES_PASSWORD: ${DB_PASSWORD-postgres}"), []string{"db@5 medium"}},
		{":+ alternative", env("POSTGRES_PASSWORD: ${DB_PASSWORD:+secret}"), []string{"db@5 medium"}},
		{"+ alternative", env("- POSTGRES_PASSWORD=${DB_PASSWORD+secret}"), []string{"db@5 medium"}},
		{"inside a URL", env("DATABASE_URL: postgres://app:${DB_PASS:-app}@db/app"), []string{"db@5 medium"}},
		{"nested", env("X: ${A:-${API_TOKEN:-abc}}"), []string{"db@5 medium"}},
		{"command", "services:\n  r:\n    image: redis:7\n    command: redis-server --requirepass ${REDIS_PASSWORD:-redis}\n", []string{"r@4 medium"}},
		{"two in one value reported once each", env("X: ${A_TOKEN:-a}${B_SECRET:-b}${A_TOKEN:-a}"), []string{"db@5 medium", "db@5 medium"}},
		{"required", env("POSTGRES_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}"), nil},
		{"no default", env("POSTGRES_PASSWORD: ${DB_PASSWORD}"), nil},
		{"empty default", env("POSTGRES_PASSWORD: ${DB_PASSWORD:-}"), nil},
		{"default from another variable", env("POSTGRES_PASSWORD: ${DB_PASSWORD:-${PW}}"), nil},
		{"escaped shell default", env("X: $${DB_PASSWORD:-postgres}"), []string{"db@5 medium"}},
		{"shell default in a command", "services:\n  r:\n    image: redis:7\n    command: redis-server --requirepass \"$${REDIS_PASSWORD:-nextcloud}\"\n", []string{"r@4 medium"}},
		{"shell default assigned", env("X: $${API_TOKEN:=abc}"), []string{"db@5 medium"}},
		{"shell default of a setting", env("X: $${DB_HOST:-db} $${PASSWORD_MIN_LENGTH:-8}"), nil},
		{"shell variable without a default", env("X: $${REDIS_PASSWORD}"), nil},
		{"an algorithm default is a setting", env("- MAILCOW_PASS_SCHEME=${MAILCOW_PASS_SCHEME:-BLF-CRYPT}"), nil},
		{"a sentinel default", env("- API_KEY=${API_KEY:-invalid}"), nil},
		{"not a secret name", env("POSTGRES_USER: ${DB_USER:-postgres}"), nil},
		{"setting about a secret", env("X: ${PASSWORD_MIN_LENGTH:-12}"), nil},
		{"mode value", env("X: ${REDIS_AUTH:-none}"), nil},
		{"file variable", env("X: ${DB_PASSWORD_FILE:-/run/secrets/db}"), nil},
		{"anchor shared by two services", "x-env: &env\n  P: ${DB_PASSWORD:-pw}\nservices:\n  a:\n    image: a:1\n    environment: *env\n  b:\n    image: b:1\n    environment: *env\n", []string{"a@2 medium"}},
	})
}

func TestSecretDefaultInInterpolationKeepsTheValueOut(t *testing.T) {
	fs := runRuleFiles(t, "secret-default-in-interpolation", DefaultOptions(), map[string]string{
		"compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: \"${DB_PASSWORD:-postgres}\"\n",
		".env":         "DB_PASSWORD=x\n",
	})
	if len(fs) != 1 {
		t.Fatalf("findings = %v", summarize(fs))
	}
	f := fs[0]
	if strings.Contains(f.Message, "postgres") || f.KeyPath != "environment" {
		t.Errorf("finding = %+v", f)
	}
}
