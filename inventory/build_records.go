package inventory

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"patchbay/inventory/credential"
)

func (b *builder) buildCredentials(raws []*rawCredential) {
	seen := map[string]Pos{}
	for _, r := range raws {
		name := b.identifier(r.Name, r.Pos, "credential", "name", seen)
		// A credential with a bad reference is still added, so that hosts
		// naming it do not get a second, misleading "unknown" error.
		ref := b.credential(r, "credential "+name)
		if name != "" {
			b.inv.Credentials = append(b.inv.Credentials, &Credential{Name: name, Ref: ref, Pos: r.Pos})
		}
	}
}

var envNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// credential reads the one reference kind that r must set.
func (b *builder) credential(r *rawCredential, what string) credential.Ref {
	var kinds []string
	for key, set := range map[string]bool{"env": r.Env.Set, "file": r.File.Set, "agent": r.Agent.Set, "command": len(r.Command) > 0} {
		if set {
			kinds = append(kinds, key)
		}
	}
	if len(kinds) != 1 {
		b.p.errorf(r.Pos, "%s: set exactly one of env, file, agent or command (found %d)", what, len(kinds))
		return credential.Ref{}
	}
	ref := credential.Ref{Kind: credential.Kind(kinds[0])}
	switch ref.Kind {
	case credential.KindEnv:
		ref.Env = r.Env.text(b.p, "env")
		if !envNamePattern.MatchString(ref.Env) {
			// The value is not echoed, because it may be a secret pasted
			// in place of the variable's name.
			b.p.errorf(r.Env.Pos, "%s: env: the value is not an environment variable name: give the variable's name (letters, digits and '_'), never the secret itself", what)
			ref.Env = ""
			return ref
		}
	case credential.KindFile:
		ref.Path = credentialFilePath(r.File.text(b.p, "file"), r.Pos.File)
	case credential.KindAgent:
		if !r.Agent.boolean(b.p, "agent", false) {
			b.p.errorf(r.Agent.Pos, "%s: agent: write agent: true to use the ssh-agent", what)
			return ref
		}
	case credential.KindCommand:
		ref.Command = texts(b.p, r.Command, "command")
		ref.Timeout = r.Timeout.duration(b.p, "timeout", 0)
	}
	if r.Timeout.Set && ref.Kind != credential.KindCommand {
		b.p.errorf(r.Timeout.Pos, "%s: timeout applies only to command references; remove it", what)
	}
	return ref
}

// credentialFilePath resolves a relative file reference against the folder
// of the inventory file that contains it, so that the reference does not
// depend on the working directory. Absolute and "~/" paths stay as written.
func credentialFilePath(path, inventoryFile string) string {
	if path == "" || filepath.IsAbs(path) || strings.HasPrefix(path, "~/") {
		return path
	}
	return filepath.Join(filepath.Dir(inventoryFile), path)
}

func (b *builder) buildExceptions(raws []*rawException) {
	seen := map[string]Pos{}
	for _, r := range raws {
		e := &Exception{Pos: r.Pos}
		e.ID = b.identifier(r.ID, r.Pos, "exception", "id", seen)
		what := "exception " + e.ID
		e.Hosts = b.exceptionHosts(r, what)
		e.Reason = r.Reason.required(b.p, r.Pos, what, "reason")
		e.App = r.App.text(b.p, "app")
		e.PinnedVersion = r.PinnedVersion.text(b.p, "pinned_version")
		e.Controls = texts(b.p, r.Controls, "controls")
		if len(e.Controls) == 0 {
			b.p.errorf(r.Pos, "%s: missing controls: list the compensating controls, such as a dedicated VLAN or firewall rules", what)
		}
		e.Owner = r.Owner.required(b.p, r.Pos, what, "owner")
		e.Approved = b.requiredDate(r.Approved, r.Pos, what, "approved")
		e.ReviewBy = b.requiredDate(r.ReviewBy, r.Pos, what, "review_by")
		b.checkReview(e, r)
		if e.ID != "" {
			b.inv.Exceptions = append(b.inv.Exceptions, e)
		}
	}
}

// linkHostExceptions adds each host that names an exception with its
// exception key to that exception's hosts.
func (b *builder) linkHostExceptions() {
	for _, h := range b.inv.Hosts {
		s, ok := b.hostExceptions[h.Name]
		if !ok {
			continue
		}
		id := s.text(b.p, "exception")
		e := b.exception(id)
		switch {
		case id == "":
		case e == nil:
			b.p.errorf(s.Pos, "host %s: unknown exception %q: define it under exceptions, or use one of %s", h.Name, id, b.exceptionIDs())
		case !slices.Contains(e.Hosts, h.Name):
			e.Hosts = append(e.Hosts, h.Name)
		}
	}
}

func (b *builder) exception(id string) *Exception {
	for _, e := range b.inv.Exceptions {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func (b *builder) exceptionIDs() string {
	var ids []string
	for _, e := range b.inv.Exceptions {
		ids = append(ids, e.ID)
	}
	if len(ids) == 0 {
		return "the defined ones (none is defined)"
	}
	return strings.Join(ids, ", ")
}

func (b *builder) exceptionHosts(r *rawException, what string) []string {
	if len(r.Hosts) == 0 && !b.namedByHost(r.ID.Text) {
		b.p.errorf(r.Pos, "%s: missing hosts: list the host names it covers", what)
	}
	var hosts []string
	for _, s := range r.Hosts {
		name := s.text(b.p, "hosts")
		switch {
		case name == "":
		case b.inv.Host(name) != nil:
			hosts = append(hosts, name)
		case b.device(name) != nil:
			b.p.errorf(s.Pos, "%s: %s is a medical device, which patchbay never changes: remove it from the exception", what, name)
		default:
			b.p.errorf(s.Pos, "%s: unknown host %q: use a host name from the inventory", what, name)
		}
	}
	return hosts
}

// namedByHost reports whether a host names the exception id with its
// exception key.
func (b *builder) namedByHost(id string) bool {
	for _, s := range b.hostExceptions {
		if s.Text == id {
			return true
		}
	}
	return false
}

func (b *builder) device(name string) *Device {
	for _, d := range b.inv.Devices {
		if d.Name == name {
			return d
		}
	}
	return nil
}

func (b *builder) requiredDate(s scalar, pos Pos, what, key string) Date {
	if !s.Set {
		b.p.errorf(pos, "%s: missing %s: add \"%s: YYYY-MM-DD\"", what, key, key)
		return Date{}
	}
	return s.date(b.p, key)
}

// checkReview reports an exception whose dates are out of order (an error)
// or whose review is overdue (a warning: the exception still protects the
// host).
func (b *builder) checkReview(e *Exception, r *rawException) {
	if e.Approved.IsZero() || e.ReviewBy.IsZero() {
		return
	}
	if e.ReviewBy.Before(e.Approved) {
		b.p.errorf(r.ReviewBy.Pos, "exception %s: review_by %s is before approved %s: set a review date after the approval", e.ID, e.ReviewBy, e.Approved)
		return
	}
	if e.ReviewBy.Before(b.today) {
		b.p.warnf(r.ReviewBy.Pos, "exception %s: review was due on %s: review it with its owner and set a new review_by date", e.ID, e.ReviewBy)
	}
}

var kbPattern = regexp.MustCompile(`^KB[0-9]{6,8}$`)

func (b *builder) buildHolds(raws []*rawHold) {
	seen := map[string]Pos{}
	for _, r := range raws {
		h := &Hold{Pos: r.Pos}
		h.ID = b.identifier(r.ID, r.Pos, "hold", "id", seen)
		what := "hold " + h.ID
		b.holdItem(h, r, what)
		h.Reason = r.Reason.required(b.p, r.Pos, what, "reason")
		h.Source = r.Source.required(b.p, r.Pos, what, "source")
		h.Scope = b.scope(r, what)
		h.Recheck = b.requiredDate(r.Recheck, r.Pos, what, "recheck")
		if !h.Recheck.IsZero() && h.Recheck.Before(b.today) {
			b.p.warnf(r.Recheck.Pos, "%s: re-check was due on %s: check whether the vendor fixed it, then remove the hold or set a new recheck date", what, h.Recheck)
		}
		if h.ID != "" {
			b.inv.Holds = append(b.inv.Holds, h)
		}
	}
}

// holdItem reads the one held item that r must name.
func (b *builder) holdItem(h *Hold, r *rawHold, what string) {
	set := 0
	for _, s := range []scalar{r.KB, r.Package, r.Firmware} {
		if s.Set {
			set++
		}
	}
	if set != 1 {
		b.p.errorf(r.Pos, "%s: set exactly one of kb, package or firmware (found %d)", what, set)
		return
	}
	switch {
	case r.KB.Set:
		h.Kind, h.Item = HoldKB, strings.ToUpper(r.KB.text(b.p, "kb"))
		if !kbPattern.MatchString(h.Item) {
			b.p.errorf(r.KB.Pos, "%s: kb: %q is not a KB number: write it as KB followed by digits, for example KB5034441", what, r.KB.Text)
		}
	case r.Package.Set:
		h.Kind, h.Item = HoldPackage, r.Package.text(b.p, "package")
	default:
		h.Kind, h.Item = HoldFirmware, r.Firmware.text(b.p, "firmware")
	}
	h.Version = r.Version.text(b.p, "version")
	if h.Version != "" && h.Kind != HoldPackage {
		b.p.errorf(r.Version.Pos, "%s: version applies only to package holds; put the build in the %s value", what, h.Kind)
	}
}

// scope reads a hold's scope: "all", "site:ID", "ring:NAME" or "app:NAME".
func (b *builder) scope(r *rawHold, what string) Scope {
	text := r.Scope.required(b.p, r.Pos, what, "scope")
	if text == "" {
		return Scope{}
	}
	if text == "all" {
		return Scope{Kind: ScopeAll}
	}
	kind, value, _ := strings.Cut(text, ":")
	s := Scope{Kind: ScopeKind(kind), Value: strings.TrimSpace(value)}
	switch {
	case s.Kind != ScopeSite && s.Kind != ScopeRing && s.Kind != ScopeApp || s.Value == "":
		b.p.errorf(r.Scope.Pos, "%s: scope: %q is not a scope: write all, site:ID, ring:NAME or app:NAME", what, text)
	case s.Kind == ScopeSite && b.inv.Site(s.Value) == nil:
		b.p.errorf(r.Scope.Pos, "%s: scope: unknown site %q: use one of %s", what, s.Value, b.siteList())
	case s.Kind == ScopeRing && b.inv.Ring(s.Value) == nil:
		b.p.errorf(r.Scope.Pos, "%s: scope: unknown ring %q: use one of %s", what, s.Value, b.ringNames())
	case s.Kind == ScopeApp && !b.appKnown(s.Value):
		b.p.warnf(r.Scope.Pos, "%s: scope: no host runs app %q, so the hold applies to nothing: check the spelling against the hosts' apps", what, s.Value)
	}
	return s
}

func (b *builder) appKnown(app string) bool {
	for _, h := range b.inv.Hosts {
		for _, a := range h.Apps {
			if a == app {
				return true
			}
		}
	}
	return false
}

func (b *builder) buildHealthChecks(raws []*rawHealthCheck) {
	seen := map[string]Pos{}
	for _, r := range raws {
		c := &HealthCheck{Pos: r.Pos}
		c.Name = b.identifier(r.Name, r.Pos, "health check", "name", seen)
		what := "health check " + c.Name
		if site := r.Site.text(b.p, "site"); site != "" && b.inv.Site(site) == nil {
			b.p.errorf(r.Site.Pos, "%s: unknown site %q: use one of %s", what, site, b.siteList())
		} else {
			c.Site = site
		}
		c.App = r.App.text(b.p, "app")
		b.checkProbe(c, r, what)
		if c.Name != "" {
			b.inv.HealthChecks = append(b.inv.HealthChecks, c)
		}
	}
}

// checkProbe reads the one probe that r must set: service, process or
// tcp_port.
func (b *builder) checkProbe(c *HealthCheck, r *rawHealthCheck, what string) {
	set := 0
	for _, s := range []scalar{r.Service, r.Process, r.TCPPort} {
		if s.Set {
			set++
		}
	}
	if set != 1 {
		b.p.errorf(r.Pos, "%s: set exactly one of service, process or tcp_port (found %d)", what, set)
		return
	}
	switch {
	case r.Service.Set:
		c.Kind, c.Target = CheckService, r.Service.text(b.p, "service")
	case r.Process.Set:
		c.Kind, c.Target = CheckProcess, r.Process.text(b.p, "process")
	default:
		c.Kind, c.Port = CheckTCP, r.TCPPort.integer(b.p, "tcp_port", 1, 65535)
	}
}

func (b *builder) buildRebootPolicies(raws []*rawRebootPolicy) {
	seen := map[string]Pos{}
	for _, r := range raws {
		p := &RebootPolicy{Pos: r.Pos}
		p.Name = b.identifier(r.Name, r.Pos, "reboot policy", "name", seen)
		what := "reboot policy " + p.Name
		p.Mode = RebootMode(r.Mode.required(b.p, r.Pos, what, "mode"))
		if p.Mode != "" && p.Mode != RebootAllow && p.Mode != RebootNever && p.Mode != RebootDefer {
			b.p.errorf(r.Mode.Pos, "%s: unknown mode %q: use allow, never or defer", what, p.Mode)
		}
		p.Hosts = b.knownHosts(r.Hosts, what)
		p.Tags = texts(b.p, r.Tags, "tags")
		p.DeferApps = texts(b.p, r.DeferApps, "defer_apps")
		p.DeferUserLoggedOn = r.UserLoggedOn.boolean(b.p, "defer_user_logged_on", false)
		b.checkDefer(p, r, what)
		if p.Name != "" {
			b.inv.RebootPolicies = append(b.inv.RebootPolicies, p)
		}
	}
}

func (b *builder) checkDefer(p *RebootPolicy, r *rawRebootPolicy, what string) {
	deferSet := len(p.DeferApps) > 0 || p.DeferUserLoggedOn
	switch {
	case p.Mode == RebootDefer && !deferSet:
		b.p.errorf(r.Mode.Pos, "%s: mode defer needs defer_apps or defer_user_logged_on: say what defers the reboot", what)
	case p.Mode != RebootDefer && deferSet:
		b.p.errorf(r.Pos, "%s: defer_apps and defer_user_logged_on apply only to mode: defer", what)
	}
	if len(p.Hosts) == 0 && len(p.Tags) == 0 && len(r.Hosts) == 0 {
		b.p.errorf(r.Pos, "%s: applies to no host: add hosts or tags", what)
	}
}

func (b *builder) knownHosts(list []scalar, what string) []string {
	var out []string
	for _, s := range list {
		name := s.text(b.p, "hosts")
		if name == "" {
			continue
		}
		if b.inv.Host(name) == nil {
			b.p.errorf(s.Pos, "%s: unknown host %q: use a host name from the inventory", what, name)
			continue
		}
		out = append(out, name)
	}
	return out
}

// checkTopology checks the references between hosts and sites: gateways
// and hypervisors exist at the same site. It fills Host.Guests.
func (b *builder) checkTopology() {
	for _, s := range b.inv.Sites {
		b.checkGateway(s)
	}
	for _, h := range b.inv.Hosts {
		b.checkHypervisor(h)
	}
	for _, c := range b.inv.Credentials {
		if c.Ref.Kind == credential.KindAgent {
			b.checkAgentUsers(c)
		}
	}
}

func (b *builder) checkGateway(s *Site) {
	if s.Gateway == "" {
		return
	}
	gw := b.inv.Host(s.Gateway)
	switch {
	case gw == nil:
		b.p.errorf(s.Pos, "site %s: gateway %q is not a host: add it to the site's hosts", s.ID, s.Gateway)
	case gw.Site != s.ID:
		b.p.errorf(s.Pos, "site %s: gateway %s belongs to site %s: use a host of this site", s.ID, gw.Name, gw.Site)
	case gw.Transport.Kind != TransportSSH:
		b.p.errorf(s.Pos, "site %s: gateway %s is reached over %s: a gateway is an SSH jump host", s.ID, gw.Name, gw.Transport.Kind)
	}
}

func (b *builder) checkHypervisor(h *Host) {
	if h.Hypervisor == "" {
		return
	}
	hv := b.inv.Host(h.Hypervisor)
	switch {
	case hv == nil:
		b.p.errorf(h.Pos, "host %s: hypervisor %q is not a host: use the name of an esxi or hyperv host", h.Name, h.Hypervisor)
	case !hv.Platform.IsHypervisor():
		b.p.errorf(h.Pos, "host %s: hypervisor %s has platform %s: use an esxi or hyperv host", h.Name, hv.Name, hv.Platform)
	case hv.Site != h.Site:
		b.p.errorf(h.Pos, "host %s: hypervisor %s is at site %s, not %s: guests run at their hypervisor's site", h.Name, hv.Name, hv.Site, h.Site)
	case hv.Name == h.Name:
		b.p.errorf(h.Pos, "host %s: a host cannot be its own hypervisor", h.Name)
	default:
		hv.Guests = append(hv.Guests, h.Name)
	}
}

func (b *builder) checkAgentUsers(c *Credential) {
	for _, h := range b.inv.Hosts {
		if h.Transport.Credential == c.Name && h.Transport.Kind == TransportWinRM {
			b.p.errorf(h.Pos, "host %s: credential %s uses the ssh-agent, which WinRM cannot use: reference an env, file or command credential", h.Name, c.Name)
		}
	}
}

// assignRings puts hosts without a ring into the last ring and checks the
// rule for excepted hosts. An excepted host is outside every ring: the
// runner never changes it, so it can neither count toward a ring's gate nor
// be patched with the ring. Naming a ring for it is an error, because the
// two entries contradict each other.
func (b *builder) assignRings() {
	last := ""
	if n := len(b.inv.Rings); n > 0 {
		last = b.inv.Rings[n-1].Name
	}
	for _, h := range b.inv.Hosts {
		excepted := b.inv.ExceptionsFor(h.Name)
		switch {
		case len(excepted) > 0 && h.Ring != "":
			b.p.errorf(h.Pos, "host %s is in ring %s and under exception %s at once: remove its ring (excepted hosts are never patched), or remove it from the exception",
				h.Name, h.Ring, excepted[0].ID)
			h.Ring = ""
		case len(excepted) == 0 && h.Ring == "":
			h.Ring = last
		}
	}
}
