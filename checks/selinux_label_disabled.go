package checks

var _ = register(&Rule{
	ID:          "selinux-label-disabled",
	Category:    Hardening,
	Severity:    Medium,
	SeverityWhy: "Only SELinux hosts enforce labels; there it removes one confinement layer, not the only one.",
	Title:       "SELinux separation disabled",
	Why:         "label=disable turns off SELinux separation, so on SELinux hosts the container is no longer confined from host files.",
	Fix:         "Remove `label=disable`; relabel bind mounts with `:z`/`:Z` instead.",
	Run: func(c *Context) {
		reportSecOpt(c, "label", func(o securityOpt) (string, Severity) {
			if o.Value == "disable" {
				return "label=disable: no SELinux separation", 0
			}
			return "", 0
		})
	},
})
