package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/app/compose"
)

// writtenKey is the first of several key paths a service writes.
type writtenKey struct {
	compose.Located
	Path string // dotted key path
}

// firstWritten returns the first key path (each dotted, relative to the
// service) that the service writes in any file and no override resets.
func firstWritten(c *Context, service string, paths ...string) (writtenKey, bool) {
	for _, p := range paths {
		if l, ok := c.Project.Locate(service, strings.Split(p, ".")...); ok && !l.Reset() {
			return writtenKey{l, p}, true
		}
	}
	return writtenKey{}, false
}

// reportUnknownKeys reports the first key path whose value depends on
// unknown variables; it returns false when every value is known.
func reportUnknownKeys(c *Context, service string, paths ...string) bool {
	for _, p := range paths {
		keys := strings.Split(p, ".")
		if vars := c.Unknown(service, keys...); len(vars) > 0 {
			c.ReportUnknown(service, c.Project.Where(service, keys...), p, vars)
			return true
		}
	}
	return false
}

// resourceLimit describes one limit Compose reads from a service-level key
// and from deploy.resources.limits.
type resourceLimit struct {
	what         string   // "memory", "CPU", "PID"
	keys         []string // every key that may set it, service level first
	missing      string   // message when no key is written
	deployKey    string   // the key under deploy.resources.limits
	serviceKey   string   // the service-level key
	preferDeploy bool
}

// unknown reports a service whose limit keys use unknown variables: the
// model then holds a loader placeholder, not the deployment's value.
func (r resourceLimit) unknown(c *Context, s types.ServiceConfig) bool {
	return reportUnknownKeys(c, s.Name, r.keys...)
}

// reportMissing reports a service that sets no limit: at the key when one is
// written with a value that limits nothing (0, -1), else at the service
// line.
func (r resourceLimit) reportMissing(c *Context, s types.ServiceConfig) {
	if w, ok := firstWritten(c, s.Name, r.keys...); ok {
		c.Report(Finding{Service: s.Name, Pos: w.Pos, KeyPath: w.Path,
			Message: fmt.Sprintf("%s %s sets no %s limit", w.Path, c.Project.Interpolate(w.Value.Value), r.what)})
		return
	}
	keyPath := r.serviceKey
	if r.preferDeploy {
		keyPath = "deploy.resources.limits." + r.deployKey
	}
	c.Report(Finding{Service: s.Name, KeyPath: keyPath, Message: r.missing})
}

// deployLimits returns the service's deploy.resources.limits, nil when unset.
func deployLimits(s types.ServiceConfig) *types.Resource {
	if s.Deploy == nil {
		return nil
	}
	return s.Deploy.Resources.Limits
}

// canRunTogether reports whether two services may be up at the same time:
// services gated by profiles that share none are alternatives.
func canRunTogether(a, b types.ServiceConfig) bool {
	return len(a.Profiles) == 0 || len(b.Profiles) == 0 ||
		slices.ContainsFunc(a.Profiles, func(p string) bool { return slices.Contains(b.Profiles, p) })
}

// servicesInFileOrder returns the services in the order the project writes
// them (included files, then the main file, then overrides), so a clash is
// reported on the service written second.
func servicesInFileOrder(c *Context) []types.ServiceConfig {
	out := slices.Clone(c.Services()) // the shared list stays sorted by name for the other rules
	rank := func(s types.ServiceConfig) (int, int) {
		pos := c.Project.ServicePos(s.Name)
		return slices.Index(c.Project.Files, pos.File), pos.Line
	}
	sort.SliceStable(out, func(i, j int) bool {
		fi, li := rank(out[i])
		fj, lj := rank(out[j])
		if fi != fj {
			return fi < fj
		}
		return li < lj
	})
	return out
}
