package checks

import "strings"

var _ = register(&Rule{
	ID:          "seccomp-unconfined",
	Category:    Hardening,
	Severity:    High,
	SeverityWhy: "The syscall filter is the main barrier between a container and kernel bugs (user namespaces, keyctl, bpf); without it a kernel flaw is an escape.",
	Title:       "Seccomp filter disabled",
	Why:         "seccomp=unconfined removes the syscall filter that blocks about 44 dangerous syscalls (mount, kexec, bpf…).",
	Fix:         "Remove `seccomp=unconfined`; if a syscall is really needed, ship a profile that allows just that one.",
	Run: func(c *Context) {
		reportSecOpt(c, "seccomp", func(o securityOpt) (string, Severity) {
			switch {
			case o.Value == "unconfined":
				return "seccomp=unconfined: no syscall filter", 0
			case o.Value == "builtin", strings.TrimSpace(o.Value) != o.Value, o.Value == "":
				return "", 0 // the default profile, or security-opt-invalid
			}
			// Compose reads the profile from the project; composeguard does not.
			return "custom seccomp profile " + o.Value + ": review what it allows", Info
		})
	},
})
