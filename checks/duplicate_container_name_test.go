package checks

import "testing"

func TestDuplicateContainerName(t *testing.T) {
	runCases(t, "duplicate-container-name", []ruleCase{
		{"shared name", "services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: x\n    container_name: app\n", []string{"b@7 medium"}},
		{"quoted", "services:\n  a:\n    image: x\n    container_name: \"app\"\n  b:\n    image: x\n    container_name: 'app'\n", []string{"b@7 medium"}},
		{"leading slash is the same name", "services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: x\n    container_name: /app\n", []string{"b@7 medium"}},
		{"different names", "services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: x\n    container_name: app2\n", nil},
		{"names differ by case", "services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: x\n    container_name: App\n", nil},
		{"no container_name", "services:\n  a:\n    image: x\n  b:\n    image: x\n", nil},
		{"interpolated", "services:\n  a:\n    image: x\n    container_name: ${NAME:-app}\n  b:\n    image: x\n    container_name: app\n", []string{"b@7 medium"}},
		{"from anchor names the alias user", "x-n: &n\n  container_name: app\nservices:\n  a:\n    <<: *n\n    image: x\n  b:\n    <<: *n\n    image: x\n", []string{"b@2 medium"}},
		{"three services", "services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: x\n    container_name: app\n  c:\n    image: x\n    container_name: app\n", []string{"b@7 medium", "c@10 medium"}},
		{"disjoint profiles", "services:\n  a:\n    image: x\n    profiles: [dev]\n    container_name: app\n  b:\n    image: x\n    profiles: [prod]\n    container_name: app\n", nil},
		{"profiled beside always-on", "services:\n  a:\n    image: x\n    container_name: app\n  b:\n    image: x\n    profiles: [dev]\n    container_name: app\n", []string{"b@8 medium"}},
		{"same unknown prefix, different suffixes can never clash", "services:\n  a:\n    image: x\n    container_name: ${P}-auth\n  b:\n    image: x\n    container_name: ${P}-storage\n", nil},
		{"different unknown prefixes, same suffix may clash", "services:\n  a:\n    image: x\n    container_name: ${P}-db\n  b:\n    image: x\n    container_name: ${Q}-db\n", []string{"a@4 info", "b@7 info"}},
		{"unknown inside a name that may match another", "services:\n  a:\n    image: x\n    container_name: app-${ENV}-db\n  b:\n    image: x\n    container_name: app-prod-db\n", []string{"a@4 info"}},
		{"unknown inside a name no other can match", "services:\n  a:\n    image: x\n    container_name: app-${ENV}-db\n  b:\n    image: x\n    container_name: web-${ENV}\n", nil},
		{"a lone unknown name has nothing to clash with", "services:\n  a:\n    image: x\n    container_name: \"${NAME}-app\"\n  b:\n    image: x\n", nil},
		{"unknown prefix", "services:\n  a:\n    image: x\n    container_name: ${PREFIX}app\n  b:\n    image: x\n    container_name: app\n", []string{"a@4 info"}},
	})
}
