package checks

import "testing"

func TestContainerNameInvalid(t *testing.T) {
	one := func(name string) string { return "services:\n  web:\n    image: x\n    container_name: " + name + "\n" }
	runCases(t, "container-name-invalid", []ruleCase{
		{"valid", one("my-app_1.web"), nil},
		{"two characters", one("ab"), nil},
		{"digit first", one("1app"), nil},
		{"leading slash accepted by the daemon", one("/app"), nil},
		{"interpolated default", one("${NAME:-app}"), nil},
		{"leading dash", one(`"-app"`), []string{"web@4 medium"}},
		{"leading underscore", one("_app"), []string{"web@4 medium"}},
		{"leading dot", one(".app"), []string{"web@4 medium"}},
		{"space inside", one(`"my app"`), []string{"web@4 medium"}},
		{"slash inside", one("my/app"), []string{"web@4 medium"}},
		{"non-ascii", one("café"), []string{"web@4 medium"}},
		{"interpolated default invalid", one(`"${NAME:-_app}"`), []string{"web@4 medium"}},
		{"unknown variable", one(`"${PREFIX}-db"`), []string{"web@4 info"}},
		{"an unknown name that starts with a dash when unset", one(`"${NAME}_app"`), []string{"web@4 info"}},
		{"an unknown suffix cannot make it invalid", one(`"app-${ENV}"`), nil},
		{"invalid whatever the variable holds", one(`"my app ${X}"`), []string{"web@4 medium"}},
	})
}
