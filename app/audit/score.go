package audit

import (
	"math"
	"slices"
	"strings"

	"github.com/composeguard/composeguard/checks"
)

// Score is a security score out of 10 per category group, and overall.
type Score struct {
	ContainerHardening float64 `json:"container_hardening"`
	ImageSecurity      float64 `json:"image_security"`
	SystemSecurity     float64 `json:"system_security"`
	Overall            float64 `json:"overall"`
}

// Group names a score bucket.
type Group string

const (
	ContainerHardening Group = "Container Hardening"
	ImageSecurity      Group = "Image Security"
	SystemSecurity     Group = "System Security"
)

// Groups lists the buckets in display order.
var Groups = []Group{ContainerHardening, ImageSecurity, SystemSecurity}

// GroupOf maps a rule category to its bucket; policy findings score nowhere.
func GroupOf(c checks.Category) (Group, bool) {
	switch c {
	case checks.Hardening, checks.Operability:
		return ContainerHardening, true
	case checks.Image, checks.Secrets:
		return ImageSecurity, true
	case checks.HostIsolation, checks.Network:
		return SystemSecurity, true
	}
	return "", false
}

// Of returns one bucket's score.
func (s Score) Of(g Group) float64 {
	switch g {
	case ContainerHardening:
		return s.ContainerHardening
	case ImageSecurity:
		return s.ImageSecurity
	}
	return s.SystemSecurity
}

// Weights is what one failing check takes from its service's score in its
// bucket, in tenths of what is left: low 5 %, medium 15 %, high 30 %, and
// critical all of it. README.md "The score" explains the formula.
var Weights = map[checks.Severity]float64{
	checks.Critical: 10, checks.High: 3, checks.Medium: 1.5, checks.Low: 0.5, checks.Info: 0,
}

// unit is what the score averages over: one service, or a project that has
// none or did not load.
type unit struct {
	project, service string
	broken           bool
}

// score rates each unit per bucket: it starts at 10 and every check (rule)
// it fails keeps 1 − weight/10 of what is left, the weight of the check's
// heaviest finding, so one gap costs its weight and gaps compound without
// ever passing 0. A finding about no service (a network, the file) fails its
// check on every unit of its project. A bucket is the mean over units, so
// one bad service in a large stack costs less than in a small one and two
// revisions of a stack compare directly; except that the host is shared: a
// project's System Security is the mean of its average and its weakest unit,
// and 0 when a finding there is critical (a privileged container or the
// engine socket is root on the host, whatever the other services do).
func score(findings []Finding, units []unit) Score {
	if len(units) == 0 {
		return Score{10, 10, 10, 10}
	}
	byProject := map[string][]unit{}
	for _, u := range units {
		byProject[u.project] = append(byProject[u.project], u)
	}
	for _, members := range byProject {
		slices.SortFunc(members, func(a, b unit) int { return strings.Compare(a.service, b.service) })
	}
	// failed[g][u][rule] is the weight of the rule's heaviest finding on u.
	failed := map[Group]map[unit]map[string]float64{}
	for _, g := range Groups {
		failed[g] = map[unit]map[string]float64{}
	}
	rootOnHost := map[string]bool{}
	for _, f := range findings {
		g, ok := GroupOf(f.Category)
		if !ok || Weights[f.Severity] == 0 {
			continue
		}
		if g == SystemSecurity && f.Severity == checks.Critical {
			rootOnHost[f.project] = true
		}
		services := f.Services
		if len(services) == 0 && f.Service != "" {
			services = []string{f.Service}
		}
		for _, u := range byProject[f.project] {
			if len(services) > 0 && !slices.Contains(services, u.service) {
				continue
			}
			if failed[g][u] == nil {
				failed[g][u] = map[string]float64{}
			}
			failed[g][u][f.Rule] = math.Max(failed[g][u][f.Rule], Weights[f.Severity])
		}
	}
	var s Score
	bucket := map[Group]*float64{ContainerHardening: &s.ContainerHardening, ImageSecurity: &s.ImageSecurity, SystemSecurity: &s.SystemSecurity}
	for _, g := range Groups {
		total := 0.0
		// In a fixed order: the products and sums round the same way
		// whatever order the projects were audited in.
		for _, project := range sortedKeys(byProject) {
			members := byProject[project]
			sum, weakest := 0.0, 10.0
			for _, u := range members {
				v := kept(u, failed[g][u])
				sum += v
				weakest = math.Min(weakest, v)
			}
			switch {
			case g != SystemSecurity:
				total += sum
			case !rootOnHost[project]:
				total += (sum + float64(len(members))*weakest) / 2
			}
		}
		*bucket[g] = round1(total / float64(len(units)))
	}
	s.Overall = round1((s.ContainerHardening + s.ImageSecurity + s.SystemSecurity) / 3)
	return s
}

// kept is what is left of a unit's 10 once its failed checks have taken
// their share.
func kept(u unit, failed map[string]float64) float64 {
	if u.broken {
		return 0
	}
	v := 10.0
	for _, rule := range sortedKeys(failed) {
		v = v * (10 - failed[rule]) / 10
	}
	return v
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
