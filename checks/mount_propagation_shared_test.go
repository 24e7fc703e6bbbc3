package checks

import "testing"

func TestMountPropagationShared(t *testing.T) {
	long := func(prop string) string {
		return webService + "    volumes:\n      - type: bind\n        source: /mnt\n        target: /mnt\n        bind:\n          propagation: " + prop + "\n"
	}
	runCases(t, "mount-propagation-shared", []ruleCase{
		{"short rshared", volumesYAML("/mnt:/mnt:rshared"), []string{"web@5 medium"}},
		{"short shared", volumesYAML("/mnt:/mnt:shared"), []string{"web@5 medium"}},
		{"short ro,rslave", volumesYAML("/mnt:/mnt:ro,rslave"), []string{"web@5 medium"}},
		{"short slave", volumesYAML("./media:/media:slave"), []string{"web@5 medium"}},
		{"short from default", volumesYAML("/mnt:/mnt:ro,${PROP:-rshared}"), []string{"web@5 medium"}},
		{"short unknown", volumesYAML("/mnt:/mnt:ro,${PROP}"), []string{"web@5 info"}},
		{"long rshared at propagation line", long("rshared"), []string{"web@9 medium"}},
		{"long rslave", long("rslave"), []string{"web@9 medium"}},
		{"long unknown", long("${PROP}"), []string{"web@9 info"}},
		{"anchor names both services", "x-vols: &vols\n  - /mnt:/mnt:rshared\nservices:\n  a:\n    image: nginx:1.27\n    volumes: *vols\n  b:\n    image: nginx:1.27\n    volumes: *vols\n",
			[]string{"a@2 medium"}},
		// near misses
		{"private modes", volumesYAML("/mnt:/mnt:rprivate", "/a:/a:private", "/b:/b:ro,z"), nil},
		{"long rprivate", long("rprivate"), nil},
		{"no mode", volumesYAML("/mnt:/mnt", "/c:/c:ro"), nil},
		{"named volume ignores bind options", volumesYAML("data:/data:rshared") + "volumes:\n  data: {}\n", nil},
	})
}
