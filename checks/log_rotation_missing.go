package checks

var _ = register(&Rule{
	ID:          "log-rotation-missing",
	Category:    Operability,
	Severity:    Low,
	SeverityWhy: "A disk filled by logs is an outage that builds slowly and shows in monitoring first.",
	Title:       "Logs are not rotated",
	Why:         "Docker's default json-file driver keeps every log line forever, so a chatty service eventually fills the disk.",
	Fix:         "Set `logging.options.max-size` (and `max-file`) for json-file, or use the `local` driver, or rotate host-wide in daemon.json.",
	Run: func(c *Context) {
		for _, s := range c.Services() {
			if reportUnknownKeys(c, s.Name, "logging.driver", "logging.options.max-size") {
				continue
			}
			lg := s.Logging
			if lg == nil {
				if !c.Options.DaemonLogRotation {
					c.Report(Finding{Service: s.Name, KeyPath: "logging",
						Message: "no logging options: the default json-file log grows without limit",
					})
				}
				continue
			}
			// local rotates by default; other drivers ship logs off the host.
			switch lg.Driver {
			case "none":
				c.Report(Finding{Service: s.Name, Pos: c.Project.Where(s.Name, "logging", "driver"), KeyPath: "logging.driver", Severity: Info,
					Message: "logging driver none keeps no logs: nothing to read after an incident"})
			case "", "json-file":
				// The daemon merges its own log-opts into a container that uses
				// its default driver, so host-wide rotation covers this case.
				if _, set := lg.Options["max-size"]; set || c.Options.DaemonLogRotation {
					continue
				}
				w, _ := firstWritten(c, s.Name, "logging.options", "logging.driver", "logging")
				c.Report(Finding{Service: s.Name, Pos: w.Pos, KeyPath: "logging.options.max-size",
					Message: "json-file logging without max-size: the log grows without limit"})
			}
		}
	},
})
