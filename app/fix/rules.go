package fix

import (
	"path"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/composeguard/composeguard/checks"
	"go.yaml.in/yaml/v3"
)

// fixers are the rules with a mechanical fix (checks/README.md describes
// each rule and its fix). A fixer plans the changes one finding needs, or
// says why it cannot. What needs a human choice (secrets, privileged mode,
// the engine socket, image pins, healthchecks, networks) has none.
var fixers = map[string]func(p *planner, fd checks.Finding) Reason{
	"capabilities-not-dropped":    fixCapDrop,
	"no-new-privileges-missing":   fixNoNewPrivileges,
	"writable-root-filesystem":    fixReadOnly,
	"tmpfs-missing":               fixTmpfs,
	"memory-limit-missing":        fixLimit("memory", "mem_limit", "deploy.resources.limits.memory"),
	"cpu-limit-missing":           fixLimit("cpus", "cpus", "deploy.resources.limits.cpus", "cpu_quota", "cpu_period"),
	"pids-limit-missing":          fixLimit("pids", "pids_limit", "deploy.resources.limits.pids"),
	"log-rotation-missing":        fixLogRotation,
	"port-bound-all-interfaces":   fixPort,
	"port-bypasses-reverse-proxy": fixPort,
	"restart-on-failure-retries":  fixRestart,
	"version-field-obsolete":      fixVersion,
	"proxy-network-not-external":  fixExternal,
}

// retries is the on-failure restart count CIS 5.15 asks for
// (restart-on-failure-retries).
const retries = "5"

// Log rotation the fix writes: json-file's max-size, and max-file where
// the service sets none.
const logMaxSize, logMaxFile = "10m", "3"

// Describe says, for a person, what the fix of a rule writes with these
// options; "" for a rule with no fix.
func (o Options) Describe(rule string) string {
	switch rule {
	case "capabilities-not-dropped":
		return "drops every capability (cap_drop: [ALL])"
	case "no-new-privileges-missing":
		return "sets no-new-privileges:true in security_opt"
	case "writable-root-filesystem":
		return "makes the root filesystem read-only (read_only: true), with a tmpfs on /tmp and /run where nothing else is mounted"
	case "tmpfs-missing":
		return "mounts a tmpfs on /tmp and /run where nothing else is mounted"
	case "memory-limit-missing":
		return "limits memory to " + o.Memory
	case "cpu-limit-missing":
		return "limits CPU to " + o.CPUs
	case "pids-limit-missing":
		return "limits processes to " + strconv.Itoa(o.Pids)
	case "log-rotation-missing":
		return "rotates its json-file logs (max-size " + logMaxSize + ", " + logMaxFile + " files)"
	case "port-bound-all-interfaces", "port-bypasses-reverse-proxy":
		return "binds the port to 127.0.0.1"
	case "restart-on-failure-retries":
		return "restarts on failure at most " + retries + " times"
	case "version-field-obsolete":
		return "removes the obsolete version: line"
	case "proxy-network-not-external":
		return "declares the network external: true"
	}
	return ""
}

func fixCapDrop(p *planner, fd checks.Finding) Reason {
	if _, ok := p.model(fd.Service); !ok {
		return Unknown
	}
	w := p.want(fd.Service)
	w.capDrop = append(w.capDrop, fd)
	return ""
}

func fixNoNewPrivileges(p *planner, fd checks.Finding) Reason {
	if _, ok := p.model(fd.Service); !ok {
		return Unknown
	}
	for _, it := range p.x.project.Items(fd.Service, "security_opt") {
		if it.Pos != fd.Pos || it.Value.Kind != yaml.ScalarNode {
			continue
		}
		// The finding is at an entry that turns it off (or hides it
		// behind a variable): turn that entry on.
		if strings.Contains(it.Value.Value, "$") {
			return Variable
		}
		if !p.here(it) {
			return Elsewhere
		}
		key, rest := it.Value.Value, ""
		if i := strings.IndexAny(key, ":="); i >= 0 {
			key, rest = key[:i], key[i:i+1]+"true"
		}
		if key != "no-new-privileges" {
			return NotMechanical
		}
		return p.replaceScalar(it.Value, like(it.Value, key+rest), fd)
	}
	w := p.want(fd.Service)
	w.noNewPrivs = append(w.noNewPrivs, fd)
	return ""
}

func fixReadOnly(p *planner, fd checks.Finding) Reason {
	if _, ok := p.model(fd.Service); !ok {
		return Unknown
	}
	l, written := p.x.project.Locate(fd.Service, "read_only")
	switch {
	case !written:
		w := p.want(fd.Service)
		w.readOnly = append(w.readOnly, fd)
	case !p.here(l) || l.Reset() || l.Value.Kind != yaml.ScalarNode:
		return Elsewhere
	default:
		if r := p.replaceScalar(l.Value, "true", fd); r != "" {
			return r
		}
	}
	// A read-only root needs scratch space, in every service the value
	// reaches.
	services := fd.Services
	if len(services) == 0 {
		services = []string{fd.Service}
	}
	for _, name := range services {
		s, _ := p.model(name)
		p.want(name).addTmpfs(scratchUnmounted(s), fd)
	}
	return ""
}

func fixTmpfs(p *planner, fd checks.Finding) Reason {
	s, ok := p.model(fd.Service)
	if !ok {
		return Unknown
	}
	paths := scratchUnmounted(s)
	if len(paths) == 0 {
		return NotMechanical // a bind mount is there: a human decides
	}
	p.want(fd.Service).addTmpfs(paths, fd)
	return ""
}

func (w *wants) addTmpfs(paths []string, fd checks.Finding) {
	for _, t := range paths {
		if w.tmpfs[t] == nil {
			w.tmpfsOrder = append(w.tmpfsOrder, t)
		}
		w.tmpfs[t] = append(w.tmpfs[t], fd)
	}
}

// scratchUnmounted lists which of /tmp and /run (or /var/run) have nothing
// mounted on them, so a tmpfs there collides with no other mount.
func scratchUnmounted(s types.ServiceConfig) []string {
	mounted := map[string]bool{}
	for _, t := range s.Tmpfs {
		p, _, _ := strings.Cut(t, ":")
		mounted[path.Clean(strings.TrimSpace(p))] = true
	}
	for _, v := range s.Volumes {
		mounted[path.Clean(v.Target)] = true
	}
	var out []string
	if !mounted["/tmp"] {
		out = append(out, "/tmp")
	}
	if !mounted["/run"] && !mounted["/var/run"] {
		out = append(out, "/run")
	}
	return out
}

// fixLimit adds the limit kind (cpus, memory, pids) to a service that
// writes none of keys; a limit written as 0 or -1 is a choice to review.
func fixLimit(kind string, keys ...string) func(p *planner, fd checks.Finding) Reason {
	return func(p *planner, fd checks.Finding) Reason {
		s, ok := p.model(fd.Service)
		if !ok {
			return Unknown
		}
		for _, k := range keys {
			if _, written := p.x.project.Locate(fd.Service, strings.Split(k, ".")...); written {
				return NotMechanical
			}
		}
		if kind == "memory" && !p.limitAboveReservation(s) {
			return NotMechanical
		}
		w := p.want(fd.Service)
		w.limits[kind] = append(w.limits[kind], fd)
		return ""
	}
}

// limitAboveReservation reports whether the memory limit to add is at
// least what the service reserves: Docker refuses a limit below it.
func (p *planner) limitAboveReservation(s types.ServiceConfig) bool {
	var limit types.UnitBytes
	if err := limit.DecodeMapstructure(p.x.opts.Memory); err != nil || limit <= 0 {
		return false
	}
	reserved := s.MemReservation
	if s.Deploy != nil && s.Deploy.Resources.Reservations != nil {
		reserved = max(reserved, s.Deploy.Resources.Reservations.MemoryBytes)
	}
	return reserved <= limit
}

func fixLogRotation(p *planner, fd checks.Finding) Reason {
	s, ok := p.model(fd.Service)
	if !ok {
		return Unknown
	}
	for _, k := range [][]string{{"logging", "driver"}, {"logging", "options", "max-size"}} {
		if l, ok := p.x.project.Locate(fd.Service, k...); ok && strings.Contains(l.Value.Value, "$") {
			return Variable
		}
	}
	if s.Logging != nil && s.Logging.Driver != "" && s.Logging.Driver != "json-file" {
		return NotMechanical
	}
	w := p.want(fd.Service)
	w.logging = append(w.logging, fd)
	return ""
}

// fixPort binds the published port at the finding to 127.0.0.1.
func fixPort(p *planner, fd checks.Finding) Reason {
	for _, it := range p.x.project.Items(fd.Service, "ports") {
		if it.Pos != fd.Pos {
			continue
		}
		if !p.here(it) {
			return Elsewhere
		}
		n := it.Value
		if n.Kind == yaml.ScalarNode {
			if strings.Contains(n.Value, "$") {
				return Variable
			}
			return p.replaceScalar(n, like(n, loopback(n.Value)), fd)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "host_ip" {
				v := n.Content[i+1]
				return p.replaceScalar(v, like(v, "127.0.0.1"), fd)
			}
		}
		return p.intoMapping(n, p.f.style.width, false, []string{"host_ip: " + p.f.style.str("127.0.0.1", false)}, []checks.Finding{fd})
	}
	return NotMechanical
}

// loopback rewrites a short port spec ([IP:][HOST:]CONTAINER) to listen on
// 127.0.0.1: the last two colon-separated parts are the ports, anything
// before them the address (brackets and all).
func loopback(spec string) string {
	parts := strings.Split(spec, ":")
	switch n := len(parts); n {
	case 1:
		return "127.0.0.1::" + spec
	case 2:
		return "127.0.0.1:" + spec
	default:
		return "127.0.0.1:" + parts[n-2] + ":" + parts[n-1]
	}
}

func fixRestart(p *planner, fd checks.Finding) Reason {
	project := p.x.project
	if fd.KeyPath == "restart" {
		l, ok := project.Locate(fd.Service, "restart")
		if !ok || !p.here(l) || l.Value.Kind != yaml.ScalarNode {
			return Elsewhere
		}
		return p.replaceScalar(l.Value, like(l.Value, "on-failure:"+retries), fd)
	}
	if l, ok := project.Locate(fd.Service, "deploy", "restart_policy", "max_attempts"); ok {
		if !p.here(l) || l.Value.Kind != yaml.ScalarNode {
			return Elsewhere
		}
		return p.replaceScalar(l.Value, retries, fd)
	}
	l, ok := project.Locate(fd.Service, "deploy", "restart_policy")
	if !ok || !p.here(l) {
		return Elsewhere
	}
	return p.intoMapping(l.Value, p.f.style.width, false, []string{"max_attempts: " + retries}, []checks.Finding{fd})
}

// fixVersion removes a top-level `version: …` written on one line.
func fixVersion(p *planner, fd checks.Finding) Reason {
	if fd.Pos.File != p.f.src.Path {
		return Elsewhere
	}
	for _, d := range p.f.src.Docs {
		for i := 0; i+1 < len(d.Content); i += 2 {
			k, v := d.Content[i], d.Content[i+1]
			if k.Value != "version" || k.Line != fd.Pos.Line {
				continue
			}
			if end, ok := p.f.lastLine(v); !ok || end != k.Line || leading(p.f.line(k.Line)) != k.Column-1 {
				return Layout
			}
			return p.add(hunk{start: k.Line, end: k.Line}, fd)
		}
	}
	return Elsewhere
}

// fixExternal declares a network shared with the reverse proxy external.
func fixExternal(p *planner, fd checks.Finding) Reason {
	name, ok := strings.CutPrefix(fd.KeyPath, "networks.")
	name, ok2 := strings.CutSuffix(name, ".external")
	if !ok || !ok2 {
		return NotMechanical
	}
	l, ok := p.x.project.LocateTop("networks", name)
	if !ok || !p.here(l) || l.Key == nil {
		return Elsewhere
	}
	v := l.Value
	if v.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(v.Content); i += 2 {
			if v.Content[i].Value == "external" {
				return p.replaceScalar(v.Content[i+1], "true", fd)
			}
		}
		return p.intoMapping(v, p.f.style.width, false, []string{"external: true"}, []checks.Finding{fd})
	}
	// `proxy:` with nothing after it.
	line := p.f.line(l.Key.Line)
	code, _, _ := strings.Cut(line[byteCol(line, l.Key.Column):], " #")
	if v.Tag != "!!null" || strings.TrimSpace(code) != l.Key.Value+":" {
		return Layout
	}
	lines := block(l.Key.Column-1+p.f.style.width, p.f.style.width, "external: true")
	return p.add(insertAfter(l.Key.Line, lines), fd)
}

// render writes what a service wants: new keys in one block under the
// service line, items appended to lists it already has, keys added to
// mappings where they are written. A want that cannot be written fails its
// findings.
func (p *planner) render(w *wants) {
	project := p.x.project
	// New keys go under the service's own block mapping; items and keys
	// added where a value is written need only that place.
	k, v := p.f.src.Service(w.service)
	own := k != nil && v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Content[0].Line > k.Line
	indent, width := 0, p.f.style.width
	if own {
		indent, width = v.Content[0].Column-1, v.Content[0].Column-k.Column
	}
	st := p.f.style
	var top []string // new keys, under the service line
	var topBy []checks.Finding
	newKey := func(lines []string, fd []checks.Finding) {
		top = append(top, lines...)
		topBy = append(topBy, fd...)
	}
	list := func(key string, items []string, fd []checks.Finding) {
		if len(fd) == 0 {
			return
		}
		locs := project.LocateAll(w.service, key)
		if len(locs) == 0 {
			quoted := make([]string, len(items))
			for i, it := range items {
				quoted[i] = st.str(it, false)
			}
			newKey(st.seq(indent, width, key, quoted), fd)
			return
		}
		if r := p.appendItems(locs, items, fd); r != "" {
			p.fail(fd, r)
		}
	}
	list("cap_drop", []string{"ALL"}, w.capDrop)
	list("security_opt", []string{"no-new-privileges:true"}, w.noNewPrivs)
	if len(w.readOnly) > 0 {
		newKey(block(indent, width, "read_only: true"), w.readOnly)
	}
	var tmpfsBy []checks.Finding
	for _, t := range w.tmpfsOrder {
		tmpfsBy = append(tmpfsBy, w.tmpfs[t]...)
	}
	list("tmpfs", w.tmpfsOrder, tmpfsBy)
	p.renderLimits(w, indent, width, newKey)
	p.renderLogging(w, indent, width, newKey)
	switch {
	case len(top) == 0:
	case k == nil:
		p.fail(topBy, Elsewhere)
	case !own:
		p.fail(topBy, Layout)
	default:
		at := k.Line
		// An exception comment stays first inside the service.
		for at < v.Content[0].Line-1 && strings.Contains(p.f.line(at+1), "composeguard:") {
			at++
		}
		if r := p.add(insertAfter(at, top), topBy...); r != "" {
			p.fail(topBy, r)
		}
	}
}

// indented shifts lines written at two spaces a level one level deeper.
func indented(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}

func (p *planner) fail(fds []checks.Finding, r Reason) {
	for _, fd := range fds {
		p.failed = append(p.failed, Skip{fd, r})
	}
}

var limitKinds = []string{"cpus", "memory", "pids"}

// renderLimits adds limits where Compose accepts them: into
// deploy.resources.limits when it is written; else, when the service writes
// no service-level limit, a new limits block under deploy; else
// service-level keys. compose-go refuses a service whose two forms
// disagree.
func (p *planner) renderLimits(w *wants, indent, width int, newKey func([]string, []checks.Finding)) {
	project, st, opts := p.x.project, p.f.style, p.x.opts
	var kinds []string
	var by []checks.Finding
	for _, kind := range limitKinds {
		if len(w.limits[kind]) > 0 {
			kinds = append(kinds, kind)
			by = append(by, w.limits[kind]...)
		}
	}
	if len(kinds) == 0 {
		return
	}
	value := map[string]string{"cpus": st.str(opts.CPUs, true), "memory": st.str(opts.Memory, false), "pids": strconv.Itoa(opts.Pids)}
	serviceKey := map[string]string{"cpus": "cpus", "memory": "mem_limit", "pids": "pids_limit"}
	if locs := project.LocateAll(w.service, "deploy", "resources", "limits"); len(locs) > 0 {
		var rel []string
		for _, kind := range kinds {
			rel = append(rel, kind+": "+value[kind])
		}
		r := Elsewhere
		for _, l := range locs {
			if p.here(l) {
				r = p.intoMapping(l.Value, width, false, rel, by)
				break
			}
		}
		if r != "" {
			p.fail(by, r)
		}
		return
	}
	serviceLevel := []string{"mem_limit", "cpus", "pids_limit", "mem_reservation", "cpu_shares"}
	written := false
	for _, k := range serviceLevel[:3] {
		if _, ok := project.Locate(w.service, k); ok {
			written = true
		}
	}
	if !written {
		// A new limits block: under deploy.resources, else under deploy,
		// else a deploy block of its own.
		limits := []string{"limits:"}
		for _, kind := range kinds {
			limits = append(limits, "  "+kind+": "+value[kind])
		}
		resources := append([]string{"resources:"}, indented(limits)...)
		if l, ok := project.Locate(w.service, "deploy", "resources"); ok && p.here(l) {
			if r := p.intoMapping(l.Value, width, false, limits, by); r != "" {
				p.fail(by, r)
			}
			return
		}
		l, ok := project.Locate(w.service, "deploy")
		if !ok {
			newKey(block(indent, width, append([]string{"deploy:"}, indented(resources)...)...), by)
			return
		}
		if p.here(l) {
			if r := p.intoMapping(l.Value, width, true, resources, by); r != "" {
				p.fail(by, r)
			}
			return
		}
		// deploy is written in another file: service-level keys do not
		// clash with it while it sets no limits.
	}
	var rel []string
	for _, kind := range kinds {
		rel = append(rel, serviceKey[kind]+": "+value[kind])
	}
	// Beside a limit the service already writes, else under its line.
	_, v := p.f.src.Service(w.service)
	for i := 0; v != nil && v.Style&yaml.FlowStyle == 0 && i+1 < len(v.Content); i += 2 {
		for _, k := range serviceLevel {
			if v.Content[i].Value != k {
				continue
			}
			end, ok := p.f.lastLine(v.Content[i+1])
			if !ok {
				p.fail(by, Layout)
			} else if r := p.add(insertAfter(end, block(indent, width, rel...)), by...); r != "" {
				p.fail(by, r)
			}
			return
		}
	}
	newKey(block(indent, width, rel...), by)
}

// renderLogging adds json-file rotation: a logging block when the service
// has none, else max-size (and max-file) where its options are written.
func (p *planner) renderLogging(w *wants, indent, width int, newKey func([]string, []checks.Finding)) {
	if len(w.logging) == 0 {
		return
	}
	project, st := p.x.project, p.f.style
	opts := []string{"max-size: " + st.str(logMaxSize, false)}
	if s, _ := p.model(w.service); s.Logging == nil || s.Logging.Options["max-file"] == "" {
		opts = append(opts, "max-file: "+st.str(logMaxFile, true))
	}
	locs := project.LocateAll(w.service, "logging")
	if len(locs) == 0 {
		rel := []string{"logging:", "  driver: " + st.str("json-file", false), "  options:"}
		for _, o := range opts {
			rel = append(rel, "    "+o)
		}
		newKey(block(indent, width, rel...), w.logging)
		return
	}
	// max-size goes first among the options; a new options key after
	// the driver.
	into, rel, atEnd := locs, opts, true
	if o := project.LocateAll(w.service, "logging", "options"); len(o) > 0 {
		into, atEnd = o, false
	} else {
		rel = []string{"options:"}
		for _, o := range opts {
			rel = append(rel, "  "+o)
		}
	}
	r := Elsewhere
	for _, l := range into {
		if p.here(l) {
			r = p.intoMapping(l.Value, width, atEnd, rel, w.logging)
			break
		}
	}
	if r != "" {
		p.fail(w.logging, r)
	}
}
