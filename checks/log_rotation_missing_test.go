package checks

import "testing"

func TestLogRotationMissing(t *testing.T) {
	runCases(t, "log-rotation-missing", []ruleCase{
		{"absent", "services:\n  web:\n    image: nginx:1.27\n", []string{"web@2 low"}},
		{"json-file with max-size", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: json-file\n      options:\n        max-size: 10m\n", nil},
		{"default driver with max-size", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      options:\n        max-size: \"10m\"\n        max-file: \"3\"\n", nil},
		{"json-file without options", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: json-file\n", []string{"web@5 low"}},
		{"json-file max-file only", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: \"json-file\"\n      options:\n        max-file: \"3\"\n", []string{"web@6 low"}},
		{"empty logging", "services:\n  web:\n    image: nginx:1.27\n    logging: {}\n", []string{"web@4 low"}},
		{"local rotates by default", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: local\n", nil},
		{"journald", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: journald\n", nil},
		{"syslog", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: syslog\n      options:\n        syslog-address: \"udp://10.0.0.1:514\"\n", nil},
		{"plugin driver", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: loki\n", nil},
		{"none", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: none\n", []string{"web@5 info"}},
		{"interpolated default", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: ${LOG_DRIVER:-json-file}\n      options:\n        max-size: ${LOG_SIZE:-10m}\n", nil},
		{"unknown driver", "services:\n  web:\n    image: nginx:1.27\n    logging:\n      driver: ${LOG_DRIVER}\n", []string{"web@5 info"}},
		{"from anchor names both", "x-log: &log\n  driver: json-file\nservices:\n  a:\n    image: x\n    logging: *log\n  b:\n    image: x\n    logging: *log\n", []string{"a@2 low"}},
		{"anchor with max-size", "x-log: &log\n  driver: json-file\n  options:\n    max-size: 10m\nservices:\n  a:\n    image: x\n    logging: *log\n", nil},
	})
}

func TestLogRotationMissingDaemon(t *testing.T) {
	opts := DefaultOptions()
	opts.DaemonLogRotation = true
	got := summarize(runRuleFiles(t, "log-rotation-missing", opts, map[string]string{"compose.yaml": "services:\n" +
		"  a:\n    image: x\n" +
		"  b:\n    image: x\n    logging:\n      driver: json-file\n" +
		"  c:\n    image: x\n    logging:\n      driver: none\n"}))
	if len(got) != 1 || got[0] != "c@11 info" {
		t.Errorf("findings = %v, want [c@11 info]", got)
	}
}
