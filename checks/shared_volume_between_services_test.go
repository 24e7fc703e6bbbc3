package checks

import "testing"

func TestSharedVolumeBetweenServices(t *testing.T) {
	two := func(a, b string) string {
		return "services:\n  app:\n    image: nginx:1.27\n    volumes:\n      - " + a + "\n  worker:\n    image: nginx:1.27\n    volumes:\n      - " + b + "\n"
	}
	named := "volumes:\n  data: {}\n"
	runCases(t, "shared-volume-between-services", []ruleCase{
		{"named volume short", two("data:/data", "data:/srv/data") + named, []string{"app@5 info", "worker@9 info"}},
		{"one writer is enough", two("data:/data:ro", "data:/data") + named, []string{"app@5 info", "worker@9 info"}},
		{"bind path", two("./uploads:/uploads", "./uploads/:/in"), []string{"app@5 info", "worker@9 info"}},
		{"absolute bind with trailing slash", two("/srv/app:/a", "/srv/app/:/b"), []string{"app@5 info", "worker@9 info"}},
		{"long syntax", "services:\n  app:\n    image: nginx:1.27\n    volumes:\n      - type: volume\n        source: data\n        target: /data\n" +
			"  worker:\n    image: nginx:1.27\n    volumes:\n      - type: volume\n        source: data\n        target: /data\n" + named,
			[]string{"app@6 info", "worker@12 info"}},
		{"two keys, one volume name", two("va:/data", "vb:/data") + "volumes:\n  va:\n    name: shared\n  vb:\n    name: shared\n",
			[]string{"app@5 info", "worker@9 info"}},
		{"named volume and bind to the same path", two("data:/data", "/srv/data:/data") +
			"volumes:\n  data:\n    driver_opts:\n      type: none\n      o: bind\n      device: /srv/data\n",
			[]string{"app@5 info", "worker@9 info"}},
		{"same unknown path", two("${DATA}/x:/x", "${DATA}/x:/y"), []string{"app@5 info", "worker@9 info"}},
		{"anchor shared by two services", "x-vols: &vols\n  - data:/data\nservices:\n  a:\n    image: nginx:1.27\n    volumes: *vols\n  b:\n    image: nginx:1.27\n    volumes: *vols\n" + named,
			[]string{"a@2 info"}},
		{"volumes_from", "services:\n  db:\n    image: postgres:16\n  backup:\n    image: alpine:3.20\n    volumes_from:\n      - db:ro\n      - container:legacy\n",
			[]string{"backup@7 info", "backup@8 info"}},
		// near misses
		{"read-only everywhere", two("/etc/localtime:/etc/localtime:ro", "/etc/localtime:/etc/localtime:ro"), nil},
		{"prefix is not the same volume", two("data:/data", "database:/data") + "volumes:\n  data: {}\n  database: {}\n", nil},
		{"different unknown variables", two("${A}/x:/x", "${B}/x:/x"), nil},
		{"one service mounting twice", "services:\n  app:\n    image: nginx:1.27\n    volumes:\n      - data:/a\n      - data:/b\n" + named, nil},
		{"anonymous and tmpfs", two("/data", "/data"), nil},
	})
}
