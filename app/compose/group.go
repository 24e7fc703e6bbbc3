package compose

import (
	"path"
	"sort"
)

// overrideOf maps each main file name to the override Compose loads with it
// when no -f flag is given (compose-go cli/options.go).
var overrideOf = map[string][]string{
	"compose.yaml":        {"compose.override.yaml", "compose.override.yml"},
	"compose.yml":         {"compose.override.yml", "compose.override.yaml"},
	"docker-compose.yml":  {"docker-compose.override.yml", "docker-compose.override.yaml"},
	"docker-compose.yaml": {"docker-compose.override.yaml", "docker-compose.override.yml"},
}

// Group turns a list of compose files into projects: each main file with the
// override file Compose would load beside it. An override with no main file
// beside it is a project of its own.
func Group(files []string) [][]string {
	present := map[string]bool{}
	for _, f := range files {
		present[f] = true
	}
	taken := map[string]bool{}
	var groups [][]string
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	for _, f := range sorted {
		overrides, ok := overrideOf[path.Base(f)]
		if !ok {
			continue
		}
		group := []string{f}
		for _, o := range overrides {
			if op := path.Join(path.Dir(f), o); present[op] && !taken[op] {
				group = append(group, op)
				taken[op] = true
				break
			}
		}
		groups = append(groups, group)
		taken[f] = true
	}
	for _, f := range sorted {
		if !taken[f] {
			groups = append(groups, []string{f})
		}
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i][0] < groups[j][0] })
	return groups
}

// isOverride reports whether a file is named like an override file.
func isOverride(f string) bool {
	for _, names := range overrideOf {
		for _, n := range names {
			if path.Base(f) == n {
				return true
			}
		}
	}
	return false
}
