package checks

var _ = register(&Rule{
	ID:          "apparmor-unconfined",
	Category:    Hardening,
	Severity:    Medium,
	SeverityWhy: "Only AppArmor hosts (Ubuntu, Debian) enforce the profile, and Docker's default capabilities already refuse most of what it blocks (mounts, kernel settings): it removes a layer, not the wall.",
	Title:       "AppArmor profile disabled",
	Why:         "apparmor=unconfined removes the profile that stops mounts and writes to /proc and /sys on AppArmor hosts.",
	Fix:         "Remove `apparmor=unconfined`, or load a profile for the service and name it.",
	Run: func(c *Context) {
		reportSecOpt(c, "apparmor", func(o securityOpt) (string, Severity) {
			if o.Value == "unconfined" {
				return "apparmor=unconfined: no AppArmor profile", 0
			}
			return "", 0
		})
	},
})
