package fix

import (
	"bytes"
	"encoding/json"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/checks"
)

// overlay is a snapshot with one file replaced.
type overlay struct {
	compose.Snapshot
	path    string
	content []byte
}

func (o overlay) ReadFile(p string) ([]byte, error) {
	if p == o.path {
		return o.content, nil
	}
	return o.Snapshot.ReadFile(p)
}

// identity is what verification compares findings by: not the line, which
// an edit moves, nor the message, which may change with the value.
type identity struct{ rule, service, key string }

func identities(f checks.Finding) []identity {
	services := f.Services
	if len(services) == 0 {
		services = []string{f.Service}
	}
	out := make([]identity, len(services))
	for i, s := range services {
		out[i] = identity{f.Rule, s, f.KeyPath}
	}
	return out
}

func count(findings []checks.Finding) map[identity]int {
	n := map[identity]int{}
	for _, f := range findings {
		for _, id := range identities(f) {
			n[id]++
		}
	}
	return n
}

func (x *Fixer) inBaseline(f checks.Finding) bool { return containsFinding(x.baseline, f) }

// verify applies hunks to a copy of the snapshot and loads and checks the
// project again as the audit does: it must load with no new problem, and
// for every (rule, service, key) there must be no more findings than before
// less those claimed fixed. "" when the edit holds.
func (x *Fixer) verify(f *file, hunks []hunk, claimed []checks.Finding) Reason {
	if len(hunks) == 0 {
		return Layout
	}
	content, err := Apply(f.src.Content, f.edit(hunks))
	if err != nil {
		return Layout
	}
	p := compose.Load(x.ctx, overlay{x.project.Snapshot, f.src.Path, content}, x.project.Files)
	if p.Model == nil || invalid(p) > invalid(x.project) {
		return Invalid
	}
	for _, name := range x.opts.Keep {
		if !sameService(x.project.Model.Services[name], p.Model.Services[name]) {
			return Kept
		}
	}
	allowed, fixed := count(x.baseline), count(claimed)
	for id, n := range fixed {
		allowed[id] -= n
	}
	after := count(checks.Run(p, x.opts.Checks))
	reason := Reason("")
	for id, n := range after {
		if n <= allowed[id] {
			continue
		}
		if fixed[id] > 0 {
			return Remains
		}
		reason = NewFinding
	}
	return reason
}

func sameService(a, b types.ServiceConfig) bool {
	ja, erra := json.Marshal(a)
	jb, errb := json.Marshal(b)
	return erra == nil && errb == nil && bytes.Equal(ja, jb)
}

func invalid(p *compose.Project) int {
	n := 0
	for _, pr := range p.Problems {
		if pr.Rule == compose.RuleInvalid {
			n++
		}
	}
	return n
}
