package checks

import "github.com/composeguard/composeguard/app/compose"

// compose-incomplete describes files that cannot stand on their own; the
// loader finds them and checks them with stand-ins for what is missing.
var _ = register(&Rule{
	ID:          compose.RuleIncomplete,
	Category:    Operability,
	Severity:    Low,
	SeverityWhy: "Every rule still runs on every service, with stand-ins for what is missing; only what the other file or the platform supplies goes unchecked, which is worth knowing but not worth failing the gate.",
	Title:       "File cannot stand on its own",
	Why:         "Docker Compose rejects the file alone: a network, volume, secret, config, image or variable it needs comes from another file or from the platform at deploy time, so that part of the deployment is not checked with it.",
	Fix:         "Declare the files deployed together as one project in .composeguard.yml (projects:) or with COMPOSE_FILE in .env, or add what is missing to this file (an external network, a default such as ${VAR:-value}).",
})
