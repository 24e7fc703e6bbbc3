package audit

import (
	"math"

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

// Weights is what one finding takes off its service's score in its bucket.
var Weights = map[checks.Severity]float64{
	checks.Critical: 5, checks.High: 3, checks.Medium: 1.5, checks.Low: 0.5, checks.Info: 0,
}

// unit is what the score averages over: one service, or a project that has
// none or did not load.
type unit struct {
	project, service string
	broken           bool
}

// score: every service starts at 10 in each bucket and loses the weight of
// each finding about it, down to 0; a finding about no service (a network, the
// file) weighs on every service of its project. A bucket's score is the mean
// over all services, so one bad service in a large stack costs less than in
// a small one, and two revisions of a stack compare directly.
func score(findings []Finding, units []unit) Score {
	if len(units) == 0 {
		return Score{10, 10, 10, 10}
	}
	penalty := map[unit]map[Group]float64{}
	byProject := map[string][]unit{}
	for _, u := range units {
		penalty[u] = map[Group]float64{}
		byProject[u.project] = append(byProject[u.project], u)
		if u.broken {
			for _, g := range Groups {
				penalty[u][g] = 10
			}
		}
	}
	for _, f := range findings {
		g, ok := GroupOf(f.Category)
		if !ok {
			continue
		}
		services := f.Services
		if len(services) == 0 && f.Service != "" {
			services = []string{f.Service}
		}
		for _, u := range byProject[f.project] {
			if len(services) == 0 || contains(services, u.service) {
				penalty[u][g] += Weights[f.Severity]
			}
		}
	}
	var s Score
	bucket := map[Group]*float64{ContainerHardening: &s.ContainerHardening, ImageSecurity: &s.ImageSecurity, SystemSecurity: &s.SystemSecurity}
	for _, g := range Groups {
		lost := 0.0
		for _, u := range units {
			lost += math.Min(10, penalty[u][g])
		}
		*bucket[g] = round1(10 - lost/float64(len(units)))
	}
	s.Overall = round1((s.ContainerHardening + s.ImageSecurity + s.SystemSecurity) / 3)
	return s
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
