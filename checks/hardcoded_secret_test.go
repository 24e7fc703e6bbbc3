package checks

import (
	"strings"
	"testing"
)

func TestHardcodedSecret(t *testing.T) {
	env := func(lines ...string) string {
		return "services:\n  db:\n    image: postgres:16\n    environment:\n      " + strings.Join(lines, "\n      ") + "\n"
	}
	cmd := func(key, value string) string {
		return "services:\n  db:\n    image: redis:7\n    " + key + ": " + value + "\n"
	}
	ghp := "ghp_" + strings.Repeat("a1B2", 9)
	runCases(t, "hardcoded-secret", []ruleCase{
		{"map form", env("POSTGRES_PASSWORD: hunter2"), []string{"db@5 high"}},
		{"list form", env("- POSTGRES_PASSWORD=hunter2"), []string{"db@5 high"}},
		{"quoted", env(`POSTGRES_PASSWORD: "hunter2"`), []string{"db@5 high"}},
		{"numeric password", env("DB_PASSWORD: 12345678"), []string{"db@5 high"}},
		{"placeholder still ships", env("DB_PASSWORD: changeme"), []string{"db@5 high"}},
		{"lower-case name", env("api_key: abc123"), []string{"db@5 high"}},
		{"secret words", env("JWT_SECRET: x1", "SMTP_PASS: x2", "AUTH_TOKEN: x3", "AWS_SECRET_ACCESS_KEY: x4", "REDIS_AUTH: x5"),
			[]string{"db@5 high", "db@6 high", "db@7 high", "db@8 high", "db@9 high"}},
		{"second of several", env("TZ: Europe/Berlin", "APP_SECRET: s3cr3t"), []string{"db@6 high"}},
		{"variable", env("POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}"), nil},
		{"variable with default is the other rule's", env("POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}"), nil},
		{"bare variable", env("- POSTGRES_PASSWORD=$POSTGRES_PASSWORD"), nil},
		{"container-side variable", env("- ADMIN_TOKEN=$${TOKEN}"), nil},
		{"secret file path", env("POSTGRES_PASSWORD_FILE: /run/secrets/db"), nil},
		{"path value", env("SSL_PRIVATE_KEY: /certs/key.pem"), nil},
		{"pass-through", env("- POSTGRES_PASSWORD"), nil},
		{"null", env("POSTGRES_PASSWORD:"), nil},
		{"empty", env(`POSTGRES_PASSWORD: ""`), nil},
		{"settings about a secret", env("PASSWORD_MIN_LENGTH: 12", "AUTH_METHOD: basic", "POSTGRES_HOST_AUTH_METHOD: trust",
			"TOKEN_TTL: 3600", "OIDC_CLIENT_ID: grafana", "AUTH_URL: https://auth.example.com", "BASIC_AUTH_USER: admin"), nil},
		{"setting words after the secret word", env("ACCESS_TOKEN_EXPIRY_TIME: 86400", "GATEWAY_TOKEN_TTL_SECONDS: 60", "AWS_ACCESS_KEY_ID: id"), nil},
		{"setting words before the secret word", env("AUTH_USER_PASSWORD: x", "SECRET_KEY_BASE: y"), []string{"db@5 high", "db@6 high"}},
		{"placeholders that cannot work", env("- CLOUDFLARE_API_TOKEN=YOUR-CLOUDFLARE-API-TOKEN", "- WG_PRIVATE_KEY='<PRIVKEY>'", "- SMTP_PASSWORD=your_password_here", "- API_KEY=sk-xxxx", "- NGROK_AUTH_TOKEN=YourNgrokAuthToken"), nil},
		{"a word starting with your is no placeholder", env("DB_PASSWORD: yourself1"), []string{"db@5 high"}},
		{"mode values", env("AUTH: basic", "REDIS_AUTH: none", "GF_AUTH_ANONYMOUS: \"false\"", "DISABLE_AUTH: true", "REGISTRY_AUTH: htpasswd"), nil},
		{"secret word inside another word", env("PASSAGE: x", "AUTHOR: y", "OAUTH: z"), nil},
		{"URL with password", env("DATABASE_URL: postgres://app:pw@db:5432/app"), []string{"db@5 high"}},
		{"URL with empty user", env("- CACHE=redis://:pw@redis:6379"), []string{"db@5 high"}},
		{"URL password from variable", env("DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app"), nil},
		{"URL without password", env("DATABASE_URL: postgres://app@db/app", "SITE: https://example.com/a:b"), nil},
		{"AWS key under any name", env("S3_ID: AKIAIOSFODNN7EXAMPLE"), []string{"db@5 high"}},
		{"GitHub token", env("- GH=" + ghp), []string{"db@5 high"}},
		{"Slack token", env("HOOK: xoxb-1234567890-abcdef"), []string{"db@5 high"}},
		{"build args map", "services:\n  app:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: abc\n", []string{"app@6 high"}},
		{"build args list", "services:\n  app:\n    build:\n      context: .\n      args:\n        - NPM_TOKEN=abc\n        - NODE_ENV=production\n", []string{"app@6 high"}},
		{"labels map", "services:\n  app:\n    image: a:1\n    labels:\n      com.example.api-token: abc\n", []string{"app@5 high"}},
		{"labels list", "services:\n  app:\n    image: a:1\n    labels:\n      - com.example.api-token=abc\n      - traefik.enable=true\n", []string{"app@5 high"}},
		{"command string", cmd("command", "redis-server --requirepass hunter2"), []string{"db@4 high"}},
		{"command string with variable", cmd("command", `redis-server --requirepass "$${REDIS_PASSWORD}"`), nil},
		{"command substitution", cmd("entrypoint", `sh -c 'exec app --requirepass "$$(cat /run/secrets/redis)"'`), nil},
		{"switch named like a secret", "services:\n  db:\n    image: redis:7\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"-a\", \"${REDIS_PASSWORD}\", \"--no-auth-warning\", \"ping\"]\n", nil},
		{"line inside a script", "services:\n  db:\n    image: redis:7\n    entrypoint:\n      - sh\n      - -c\n      - |\n        echo start\n        exec redis-server --requirepass hunter2\n", []string{"db@9 high"}},
		{"command list, value in next item", "services:\n  db:\n    image: redis:7\n    command:\n      - redis-server\n      - --requirepass\n      - hunter2\n", []string{"db@7 high"}},
		{"flag with equals", cmd("entrypoint", `["/app", "--api-key=abc123"]`), []string{"db@4 high"}},
		{"flag value from variable", cmd("entrypoint", `["/app", "--api-key=${API_KEY}"]`), nil},
		{"shell assignment", cmd("command", `sh -c "PGPASSWORD=hunter2 pg_dump app"`), []string{"db@4 high"}},
		{"shell assignment of a secret name", cmd("command", `sh -c "DB_PASSWORD=hunter2 ./run"`), []string{"db@4 high"}},
		{"not a flag value", cmd("command", "--password-min-length 8 --token-ttl=5m --auth none"), nil},
		{"mysql healthcheck", "services:\n  db:\n    image: mariadb:11\n    healthcheck:\n      test: [\"CMD\", \"mysqladmin\", \"ping\", \"-uroot\", \"-phunter2\"]\n", []string{"db@5 high"}},
		{"mysql healthcheck from variable", "services:\n  db:\n    image: mariadb:11\n    healthcheck:\n      test: [\"CMD-SHELL\", \"mysqladmin ping -uroot -p$$MYSQL_ROOT_PASSWORD\"]\n", nil},
		{"-p elsewhere is a port", cmd("command", "server -p8080"), nil},
		{"redis-cli -a", "services:\n  db:\n    image: redis:7\n    healthcheck:\n      test: redis-cli -a hunter2 ping\n", []string{"db@5 high"}},
		{"token in command", cmd("command", "--slack xoxp-1234567890-abcdef"), []string{"db@4 high"}},
		// names, both ways
		{"an algorithm name is a setting", env("MAILCOW_PASS_SCHEME: BLF-CRYPT", "PASSWORD_HASH_ALGORITHM: argon2id", "JWT_KEY_CIPHER: aes"), nil},
		{"an algorithm value is no secret", env("PASSWORD_HASHER: bcrypt", "TOKEN_SIGNING: HS256"), nil},
		{"a secret word ending a longer word", env("WEBPASSWORD: changeit", "ROOTPASSWORD: x", "CLIENTSECRET: y"), []string{"db@5 high", "db@6 high", "db@7 high"}},
		{"short password spellings", env("ADMIN_PW: x", "DB_PWD: y", "MONGO_PASS: z"), []string{"db@5 high", "db@6 high", "db@7 high"}},
		{"the shell's PWD is a directory", env("PWD: app", "OLDPWD: src"), nil},
		{"keys and salts", env("APP_KEY: base64:3q2+7w==", "SECRET_KEY_BASE: abc", "WORDPRESS_AUTH_SALT: x", "MEILI_MASTER_KEY: y"),
			[]string{"db@5 high", "db@6 high", "db@7 high", "db@8 high"}},
		{"an app key shared in an example", env("APP_KEY: SomeRandomStringOf32CharsExactly"), []string{"db@5 high"}},
		{"camelCase names", env("adminPassword: x", "apiKey: y"), []string{"db@5 high", "db@6 high"}},
		{"keys meant to be seen", env("VAPID_PUBLIC_KEY: BOrx", "RECAPTCHA_SITE_KEY: 6Lc", "S3_ACCESS_KEY: minioadmin", "SUPABASE_ANON_KEY: eyJ"), nil},
		{"settings about a key", env("CACHE_KEY_PREFIX: app_", "API_KEY_RATE_LIMIT: 60/minute", "SALT_ROUNDS: 10", "KEY_FILE: key.pem"), nil},
		// values, both ways
		{"sentinels that keep a feature off or ask the user", env("- API_KEY=invalid", "- OPENAI_API_KEY=user_provided"), nil},
		{"a %var% path", env("- JWT_SECRET_KEY=%kernel.project_dir%/config/jwt/private.pem"), nil},
		{"template and masked placeholders", env("API_TOKEN: '{{ token }}'", "DB_PASSWORD: '********'"), nil},
		{"ADO.NET connection string", env("DATABASE_URL: Server=db;Port=5432;User Id=app;Password=s3cret;Database=app"), []string{"db@5 high"}},
		{"libpq keyword string", env("DSN: host=db user=app password=s3cret dbname=app"), []string{"db@5 high"}},
		{"password in a URL query", env("JDBC_URL: jdbc:mysql://db/app?user=app&password=s3cret"), []string{"db@5 high"}},
		{"password in a Java option", env("JAVA_OPTS: -Xmx1g -Dspring.datasource.password=s3cret"), []string{"db@5 high"}},
		{"connection string from variables", env("DATABASE_URL: Server=db;User Id=app;Password=${DB_PASSWORD};Database=app"), nil},
		{"connection string without a secret", env("DATABASE_URL: Server=db;Database=app;Trusted_Connection=True", "JDBC: jdbc:mysql://db/app?useSSL=false&allowPublicKeyRetrieval=true"), nil},
		{"settings named in camelCase", "services:\n  a:\n    image: a:1\n    environment:\n      MONGO_URL: mongodb://db/app?authSource=admin&authMechanism=SCRAM\n    labels:\n      - traefik.http.middlewares.a.forwardauth.authResponseHeaders=Remote-User\n", nil},
		{"an OAuth client key is its id", env("OIDC_CLIENT_KEY: grafana", "CONSUMER_KEY: app"), nil},
		{"an empty list", env("JWT_KEYS: '[]'"), nil},
		{"a key file name", cmd("command", "openssl req -new -key private.key -out cert.crt"), nil},
		{"the next script line is not a flag's value", "services:\n  a:\n    image: a:1\n    entrypoint:\n      - sh\n      - -c\n      - |\n        app --generate-keys\n        chown -R 991:991 /data\n", nil},
		{"a continued script line is", "services:\n  a:\n    image: a:1\n    entrypoint:\n      - sh\n      - -c\n      - |\n        app --password \\\n          hunter2\n", []string{"a@9 high"}},
		{"code inside a script is not a command word", "services:\n  a:\n    image: node:22\n    entrypoint:\n      - sh\n      - -c\n      - |\n        node -e 'console.log(\"export JWT_PRIVATE_KEY=\"+JSON.stringify(k))'\n", nil},
		{"anchor shared by two services", "x-env: &env\n  API_KEY: abc\nservices:\n  a:\n    image: a:1\n    environment: *env\n  b:\n    image: b:1\n    environment:\n      <<: *env\n", []string{"a@2 high"}},
		{"extends base", "services:\n  base:\n    image: a:1\n    environment:\n      API_KEY: abc\n  app:\n    extends: base\n", []string{"app@5 high"}},
	})
}

func TestHardcodedSecretFiles(t *testing.T) {
	fs := runRuleFiles(t, "hardcoded-secret", DefaultOptions(), map[string]string{
		"compose.yaml":          "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n",
		"compose.override.yaml": "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: hunter2\n",
	})
	if got := summarize(fs); strings.Join(got, ", ") != "db@4 high" || fs[0].Pos.File != "compose.override.yaml" {
		t.Fatalf("findings = %v at %+v", got, fs)
	}
	if strings.Contains(fs[0].Message, "hunter2") || fs[0].KeyPath != "environment" {
		t.Errorf("finding = %+v", fs[0])
	}
	for _, f := range runRule(t, "hardcoded-secret", "services:\n  a:\n    image: a:1\n    environment:\n      URL: http://u:hunter2@h\n    command: --token hunter2\n") {
		if strings.Contains(f.Message, "hunter2") {
			t.Errorf("message echoes the secret: %s", f.Message)
		}
	}
}
