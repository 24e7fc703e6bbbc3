package checks

var _ = register(&Rule{
	ID:          "proc-masks-disabled",
	Category:    Hardening,
	Severity:    High,
	SeverityWhy: "The container can reach /proc/sysrq-trigger, /proc/kcore and the host's kernel settings: reboot, read or reconfigure the host.",
	Title:       "/proc and /sys masks disabled",
	Why:         "systempaths=unconfined unmasks /proc/kcore, /proc/keys, /sys/firmware and makes /proc/sys and sysrq-trigger writable.",
	Fix:         "Remove `systempaths=unconfined`.",
	Run: func(c *Context) {
		reportSecOpt(c, "systempaths", func(o securityOpt) (string, Severity) {
			// Compose honours only this exact spelling; security-opt-invalid
			// covers the others, which the daemon rejects.
			if o.Raw == "systempaths=unconfined" {
				return "systempaths=unconfined: /proc and /sys are unmasked", 0
			}
			return "", 0
		})
	},
})
