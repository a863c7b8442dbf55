package inventory

// Platform is a host's operating system family, which picks the transport
// defaults and the playbooks that apply.
type Platform string

// Platform values that patchbay supports.
const (
	PlatformWindows       Platform = "windows"        // Windows 10 and 11
	PlatformWindowsServer Platform = "windows-server" // Windows Server
	PlatformHyperV        Platform = "hyperv"         // Windows Server running Hyper-V guests
	PlatformMacOS         Platform = "macos"
	PlatformLinuxApt      Platform = "linux-apt" // Debian, Ubuntu
	PlatformLinuxDnf      Platform = "linux-dnf" // RHEL, Rocky, Fedora
	PlatformESXi          Platform = "esxi"      // VMware ESXi
	PlatformCiscoIOS      Platform = "cisco-ios"
	PlatformCiscoIOSXE    Platform = "cisco-iosxe"
	PlatformFortiOS       Platform = "fortios"    // Fortinet FortiGate
	PlatformEdgeOS        Platform = "edgeos"     // Ubiquiti EdgeRouter
	PlatformEdgeSwitch    Platform = "edgeswitch" // Ubiquiti EdgeSwitch
)

// Platforms lists every known platform in a stable order.
var Platforms = []Platform{
	PlatformWindows, PlatformWindowsServer, PlatformHyperV, PlatformMacOS,
	PlatformLinuxApt, PlatformLinuxDnf, PlatformESXi, PlatformCiscoIOS,
	PlatformCiscoIOSXE, PlatformFortiOS, PlatformEdgeOS, PlatformEdgeSwitch,
}

// Known reports whether p is one of Platforms.
func (p Platform) Known() bool {
	for _, known := range Platforms {
		if p == known {
			return true
		}
	}
	return false
}

// IsWindows reports whether p runs Windows, and so is patched through the
// Windows Update Agent.
func (p Platform) IsWindows() bool {
	return p == PlatformWindows || p == PlatformWindowsServer || p == PlatformHyperV
}

// IsNetworkGear reports whether p is a router, switch or firewall, reached
// over an interactive SSH CLI.
func (p Platform) IsNetworkGear() bool {
	switch p {
	case PlatformCiscoIOS, PlatformCiscoIOSXE, PlatformFortiOS, PlatformEdgeOS, PlatformEdgeSwitch:
		return true
	}
	return false
}

// IsHypervisor reports whether p runs virtual machines.
func (p Platform) IsHypervisor() bool { return p == PlatformESXi || p == PlatformHyperV }

// DefaultTransport returns the transport kind used when the inventory names
// none: WinRM for Windows, SSH for everything else.
func (p Platform) DefaultTransport() TransportKind {
	if p.IsWindows() {
		return TransportWinRM
	}
	return TransportSSH
}

// Role is the function of a host at its site. Host.Order turns it into a
// patching stage, so that the runner can patch a site's network gear and
// hypervisors after the hosts that depend on them.
type Role string

// Roles.
const (
	RoleWorkstation Role = "workstation"
	RoleServer      Role = "server"
	RoleHypervisor  Role = "hypervisor"
	RoleGateway     Role = "gateway"     // the SSH jump host into the site
	RoleFirewall    Role = "firewall"    // the site's firewall or router
	RoleCoreSwitch  Role = "core-switch" // the switch every other host hangs off
)

// Roles lists every known role.
var Roles = []Role{RoleWorkstation, RoleServer, RoleHypervisor, RoleGateway, RoleFirewall, RoleCoreSwitch}

// Known reports whether r is one of Roles.
func (r Role) Known() bool {
	for _, known := range Roles {
		if r == known {
			return true
		}
	}
	return false
}

// Order returns the patching stage of a host, lowest first. Virtual
// machines get 0 because they go before their hypervisor, ordinary hosts 1
// and hypervisors 2. The gateway gets 3, and the firewall and core switch
// get 4, because every other host reaches patchbay through them.
func (h *Host) Order() int {
	switch {
	case h.Hypervisor != "":
		return 0
	case h.Role == RoleFirewall || h.Role == RoleCoreSwitch:
		return 4
	case h.Role == RoleGateway:
		return 3
	case h.Role == RoleHypervisor || len(h.Guests) > 0:
		return 2
	}
	return 1
}
