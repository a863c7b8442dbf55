package inventory

import (
	"fmt"
	"strings"
)

func (b *builder) buildHosts(raws []nested[*rawHost]) {
	for _, n := range raws {
		if h := b.host(n.item, n.site); h != nil {
			b.inv.Hosts = append(b.inv.Hosts, h)
		}
	}
}

func (b *builder) host(r *rawHost, nestedSite string) *Host {
	h := &Host{Pos: r.Pos}
	h.Name = b.uniqueName(r.Name, r.Pos, "host")
	h.Site = b.itemSite(r.Site, nestedSite, r.Pos, "host "+h.Name)
	h.Address = r.Address.required(b.p, r.Pos, "host "+h.Name, "address")
	h.Platform = b.platform(r)
	h.Ring = r.Ring.text(b.p, "ring")
	if h.Ring != "" && b.inv.Ring(h.Ring) == nil {
		b.p.errorf(r.Ring.Pos, "host %s: unknown ring %q: use one of %s", h.Name, h.Ring, b.ringNames())
		h.Ring = ""
	}
	h.Role = b.role(r, h.Platform)
	h.Tags = texts(b.p, r.Tags, "tags")
	h.Apps = texts(b.p, r.Apps, "apps")
	h.Hypervisor = r.Hypervisor.text(b.p, "hypervisor")
	h.Transport = b.transport(r.Transport, h)
	if r.Exception.Set && h.Name != "" {
		b.hostExceptions[h.Name] = r.Exception
	}
	if h.Name == "" {
		return nil
	}
	return h
}

// uniqueName returns the required name of a host or device, checking that
// no other host or device has it in any file.
func (b *builder) uniqueName(s scalar, pos Pos, what string) string {
	name := s.required(b.p, pos, what, "name")
	if name == "" {
		return ""
	}
	if first, dup := b.names[name]; dup {
		b.p.errorf(s.Pos, "duplicate %s name %q (first defined at %s): host and device names must be unique across all files", what, name, first)
		return ""
	}
	b.names[name] = s.Pos
	return name
}

// itemSite returns the site of a host or device: the site it is nested
// under, or its site key, which must name a known site.
func (b *builder) itemSite(s scalar, nestedSite string, pos Pos, what string) string {
	id := s.text(b.p, "site")
	switch {
	case nestedSite != "" && id != "" && id != nestedSite:
		b.p.errorf(s.Pos, "%s is listed under site %s but names site %q: remove the site key", what, nestedSite, id)
		return nestedSite
	case nestedSite != "":
		return nestedSite
	case id == "":
		b.p.errorf(pos, "%s: missing site: add \"site: ID\" or list it under its site's hosts", what)
		return ""
	case !b.siteKnown(id):
		b.p.errorf(s.Pos, "%s: unknown site %q: use one of %s", what, id, b.siteList())
		return ""
	}
	return id
}

func (b *builder) siteKnown(id string) bool {
	_, ok := b.sitePos[id]
	return ok
}

func (b *builder) siteList() string {
	var ids []string
	for _, s := range b.inv.Sites {
		ids = append(ids, s.ID)
	}
	if len(ids) == 0 {
		return "the sites under \"sites:\" (none is defined)"
	}
	return strings.Join(ids, ", ")
}

func (b *builder) ringNames() string {
	var names []string
	for _, r := range b.inv.Rings {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

func (b *builder) platform(r *rawHost) Platform {
	text := r.Platform.required(b.p, r.Pos, "host "+r.Name.Text, "platform")
	p := Platform(text)
	if text != "" && !p.Known() {
		b.p.errorf(r.Platform.Pos, "platform: unknown platform %q: use one of %s", text, joinStrings(Platforms))
		return ""
	}
	return p
}

func (b *builder) role(r *rawHost, p Platform) Role {
	text := r.Role.text(b.p, "role")
	if text == "" {
		return defaultRole(p)
	}
	role := Role(text)
	if !role.Known() {
		b.p.errorf(r.Role.Pos, "role: unknown role %q: use one of %s", text, joinStrings(Roles))
	}
	return role
}

// defaultRole returns the role of a host whose inventory entry gives none.
// FortiOS and EdgeOS routers are firewalls, Cisco and EdgeSwitch gear is
// the core switch, ESXi and Hyper-V hosts are hypervisors, Windows desktops
// and Macs are workstations, and everything else is a server.
func defaultRole(p Platform) Role {
	switch p {
	case PlatformFortiOS, PlatformEdgeOS:
		return RoleFirewall
	case PlatformCiscoIOS, PlatformCiscoIOSXE, PlatformEdgeSwitch:
		return RoleCoreSwitch
	case PlatformESXi, PlatformHyperV:
		return RoleHypervisor
	case PlatformWindows, PlatformMacOS:
		return RoleWorkstation
	}
	return RoleServer
}

func joinStrings[S ~string](list []S) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

func (b *builder) transport(r *rawTransport, h *Host) Transport {
	if r == nil {
		r = &rawTransport{Pos: h.Pos}
	}
	t := Transport{Kind: h.Platform.DefaultTransport()}
	what := "host " + h.Name + " transport"
	if kind := r.Kind.text(b.p, "kind"); kind != "" {
		t.Kind = TransportKind(kind)
	}
	switch {
	case t.Kind != TransportSSH && t.Kind != TransportWinRM:
		b.p.errorf(r.Kind.Pos, "%s: unknown kind %q: use ssh or winrm", what, t.Kind)
	case t.Kind == TransportWinRM && h.Platform != "" && !h.Platform.IsWindows():
		b.p.errorf(r.Kind.Pos, "%s: platform %s has no WinRM service: use kind: ssh", what, h.Platform)
		// Checking the rest as SSH avoids follow-on WinRM errors.
		t.Kind = TransportSSH
	}
	t.Port = r.Port.integer(b.p, "port", 1, 65535)
	t.User = r.User.text(b.p, "user")
	t.Credential = b.credentialRef(r.Credential, what)
	t.HTTPS = r.HTTPS.boolean(b.p, "https", t.Kind == TransportWinRM)
	t.CAFile = r.CAFile.text(b.p, "ca_file")
	t.Insecure = r.Insecure.boolean(b.p, "insecure_skip_verify", false)
	t.LegacyAlgorithms = r.LegacyAlgorithms.boolean(b.p, "legacy_algorithms", false)
	t.Auth = r.Auth.text(b.p, "auth")
	b.checkTransport(r, &t, what)
	if t.Port == 0 {
		t.Port = defaultPort(t)
	}
	return t
}

func defaultPort(t Transport) int {
	switch {
	case t.Kind == TransportSSH:
		return 22
	case t.HTTPS:
		return 5986
	}
	return 5985
}

// checkTransport checks the options that apply to only one transport kind
// and fills the WinRM defaults.
func (b *builder) checkTransport(r *rawTransport, t *Transport, what string) {
	if t.Kind == TransportSSH {
		winrmOnly := []struct {
			key   string
			value scalar
		}{{"https", r.HTTPS}, {"ca_file", r.CAFile}, {"insecure_skip_verify", r.Insecure}, {"auth", r.Auth}}
		for _, option := range winrmOnly {
			if option.value.Set {
				b.p.errorf(option.value.Pos, "%s: %s applies only to kind: winrm; remove it", what, option.key)
			}
		}
		return
	}
	if r.LegacyAlgorithms.Set {
		b.p.errorf(r.LegacyAlgorithms.Pos, "%s: legacy_algorithms applies only to kind: ssh; remove it", what)
	}
	if t.User == "" {
		b.p.errorf(r.Pos, "%s: missing user: WinRM needs an account, add \"user: DOMAIN\\name\"", what)
	}
	if t.Credential == "" && !r.Credential.Set {
		b.p.errorf(r.Pos, "%s: missing credential: WinRM needs a password reference, add \"credential: NAME\"", what)
	}
	b.checkWinRMAuth(r, t, what)
}

func (b *builder) checkWinRMAuth(r *rawTransport, t *Transport, what string) {
	switch t.Auth {
	case "":
		t.Auth = "ntlm"
	case "ntlm", "basic":
	default:
		b.p.errorf(r.Auth.Pos, "%s: unknown auth %q: use ntlm or basic", what, t.Auth)
	}
	if t.Auth == "basic" && !t.HTTPS {
		b.p.errorf(r.Auth.Pos, "%s: auth: basic over HTTP sends the password readable on the network: set https: true or use auth: ntlm", what)
	}
	if !t.HTTPS {
		b.p.warnf(r.HTTPS.Pos, "%s uses WinRM over HTTP: set https: true once the host has a certificate", what)
	}
	if t.Insecure {
		b.p.warnf(r.Insecure.Pos, "%s skips certificate verification: give the issuing CA with ca_file instead", what)
	}
}

// credentialRef returns the credential name s, which must name an entry
// under credentials.
func (b *builder) credentialRef(s scalar, what string) string {
	name := s.text(b.p, "credential")
	if name == "" {
		return ""
	}
	if b.inv.Credential(name) == nil {
		b.p.errorf(s.Pos, "%s: unknown credential %q: add it under credentials (env, file, agent or command), or use one of %s",
			what, name, b.credentialNames())
		return ""
	}
	return name
}

func (b *builder) credentialNames() string {
	var names []string
	for _, c := range b.inv.Credentials {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return "the defined ones (none is defined)"
	}
	return strings.Join(names, ", ")
}

func (b *builder) buildDevices(raws []nested[*rawDevice]) {
	for _, n := range raws {
		r := n.item
		d := &Device{Pos: r.Pos}
		d.Name = b.uniqueName(r.Name, r.Pos, "medical device")
		what := fmt.Sprintf("medical device %s", d.Name)
		d.Site = b.itemSite(r.Site, n.site, r.Pos, what)
		d.Model = r.Model.required(b.p, r.Pos, what, "model")
		d.Vendor = r.Vendor.text(b.p, "vendor")
		d.VendorContact = r.VendorContact.text(b.p, "vendor_contact")
		d.Firmware = r.Firmware.text(b.p, "firmware")
		d.Controls = texts(b.p, r.Controls, "controls")
		if d.Name != "" {
			b.inv.Devices = append(b.inv.Devices, d)
		}
	}
}
