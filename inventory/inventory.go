// Package inventory is patchbay's model of the fleet: practice sites, their
// hosts, deployment rings, maintenance windows, exceptions, medical devices,
// holds, credential references, health checks and reboot policies.
//
// The package loads the model strictly from YAML (one file or a folder of
// files) and reports every problem with its file, line and column. It also
// answers the policy questions of the planner and runner: which hosts a
// selection means, and what access policy allows on a host.
//
// Calendar arithmetic lives in the schedule sub-package and secret
// resolution in the credential sub-package. The package does no network
// I/O.
package inventory

import (
	"time"

	"patchbay/inventory/credential"
	"patchbay/inventory/schedule"
)

// Pos is the source position of an item: the file and the line and column
// of its first key. Error messages about the item start with it.
type Pos struct {
	File   string
	Line   int
	Column int
}

// Inventory is a loaded and validated fleet. Slices keep the order of the
// files (sorted by name in a folder) and of the items within each file.
type Inventory struct {
	Sites          []*Site
	Hosts          []*Host
	Rings          []*Ring // in deployment order
	Exceptions     []*Exception
	Devices        []*Device
	Holds          []*Hold
	Credentials    []*Credential
	HealthChecks   []*HealthCheck
	RebootPolicies []*RebootPolicy

	// Files lists the files the inventory was read from.
	Files []string
	// Warnings lists problems that do not stop patchbay, such as overdue
	// exception reviews and sites without an owner.
	Warnings []Problem
}

// Site is one practice location.
type Site struct {
	ID       string
	Name     string
	TimeZone *time.Location
	// Windows are the site's maintenance windows in site-local time.
	Windows []schedule.Window
	// Owner is the technician or team that owns the site's patching.
	Owner    string
	Contacts []Contact
	// Gateway is the name of the host used as SSH jump host to reach the
	// site's LAN, or empty when hosts are reached directly.
	Gateway string
	// Concurrency is the maximum number of hosts of this site patched at
	// once; 0 means the runner's global limit applies.
	Concurrency int
	Pos         Pos
}

// Contact is a person who gets advance notice of work at a site.
type Contact struct {
	Name  string
	Role  string
	Email string
	Phone string
}

// Host is a machine at a site that patchbay may connect to.
type Host struct {
	Name      string
	Site      string // Site.ID
	Address   string // DNS name or IP address
	Platform  Platform
	Transport Transport
	Ring      string // Ring.Name
	Role      Role
	Tags      []string
	// Apps are the clinical applications the host runs, as named in
	// exceptions, holds and health checks.
	Apps []string
	// Hypervisor is the name of the host that runs this host as a virtual
	// machine, or empty for physical hosts.
	Hypervisor string
	// Guests lists the virtual machines this host runs. The loader fills it
	// from the guests' Hypervisor fields.
	Guests []string
	Pos    Pos
}

// TransportKind is the protocol used to reach a host.
type TransportKind string

// Transport kinds.
const (
	TransportSSH   TransportKind = "ssh"
	TransportWinRM TransportKind = "winrm"
)

// Transport is the connection setting of a host.
type Transport struct {
	Kind TransportKind
	// Port is the TCP port. When the inventory gives none, the loader fills
	// the default: 22 for SSH, 5986 for WinRM over HTTPS, 5985 over HTTP.
	Port int
	User string
	// Credential is the name of an entry in Inventory.Credentials, or empty
	// for SSH with the agent and the user's default keys.
	Credential string
	// HTTPS selects WinRM over TLS. For WinRM it is true unless the
	// inventory sets https: false.
	HTTPS bool
	// CAFile is a PEM file of CAs trusted for the host's WinRM certificate,
	// in addition to the system roots.
	CAFile string
	// Insecure skips WinRM certificate verification. It is an explicit
	// opt-in per host, and check warns about it.
	Insecure bool
	// LegacyAlgorithms enables old SSH key exchanges, ciphers and host key
	// types that old network gear still needs.
	LegacyAlgorithms bool
	// Auth is the WinRM authentication scheme: "ntlm" (the default) or
	// "basic".
	Auth string
}

// Ring is an ordered deployment stage. A ring starts a cycle only after the
// previous ring passed its gate.
type Ring struct {
	Name string
	// Delay is the wait after the monthly release (first ring) or after the
	// previous ring's soak ended (later rings) before the ring may start.
	Delay time.Duration
	// Deploy is the time allowed for the ring's deployment.
	Deploy time.Duration
	// Soak is the validation time after the deployment before the next
	// ring's gate can pass.
	Soak time.Duration
	// EmergencySoak replaces Soak in an emergency cycle.
	EmergencySoak time.Duration
	// SuccessShare is the share of reachable hosts, 0 to 1, that must have
	// succeeded for the next ring's gate to pass.
	SuccessShare float64
	// FailureBudget is how many failures per site stop that site's run.
	FailureBudget Budget
	Pos           Pos
}

// Budget is a failure budget: a count of hosts or a share of the hosts in
// scope, whichever the inventory gave. The zero value allows no failure.
type Budget struct {
	Count int
	Share float64 // 0 to 1; used when IsShare
	// IsShare reports that the budget was given as a percentage.
	IsShare bool
}

// Exception is a documented decision not to patch hosts, or to hold them at
// a build, because a clinical application is certified only on that build.
// The runner never changes an excepted host; it may gather facts.
type Exception struct {
	ID     string
	Hosts  []string
	Reason string
	App    string
	// PinnedVersion is the OS build or version the hosts are held at, as
	// typed (for example "10.0.19045.4046"), or empty.
	PinnedVersion string
	Controls      []string // compensating controls
	Owner         string
	Approved      Date
	ReviewBy      Date
	Pos           Pos
}

// Device is a medical device tracked for the record only. It has no
// address, transport or credential fields, so no code path can connect to
// one: patches reach it only through its vendor.
type Device struct {
	Name          string
	Site          string
	Model         string
	Vendor        string
	VendorContact string
	Firmware      string // as typed, for example "7.10"
	Controls      []string
	Pos           Pos
}

// HoldKind is the type of item a hold keeps back.
type HoldKind string

// Hold kinds.
const (
	HoldKB       HoldKind = "kb"       // a Windows update by KB number
	HoldPackage  HoldKind = "package"  // a package version (apt, dnf)
	HoldFirmware HoldKind = "firmware" // a firmware or OS image for gear and ESXi
)

// Hold is a known-problematic patch kept back until it is confirmed fixed.
type Hold struct {
	ID   string
	Kind HoldKind
	// Item is the KB number ("KB5034441"), package name or image file name.
	Item string
	// Version is the held package version, or empty for every version.
	Version string
	Reason  string
	// Source is the report of the problem, such as a vendor advisory.
	Source  string
	Scope   Scope
	Recheck Date
	Pos     Pos
}

// ScopeKind is the kind of fleet part that a hold applies to.
type ScopeKind string

// Scope kinds.
const (
	ScopeAll  ScopeKind = "all"
	ScopeSite ScopeKind = "site"
	ScopeRing ScopeKind = "ring"
	ScopeApp  ScopeKind = "app"
)

// Scope is the part of the fleet a hold applies to. Value is the site ID,
// ring name or application; it is empty for ScopeAll.
type Scope struct {
	Kind  ScopeKind
	Value string
}

// Credential is a named reference to a secret. The inventory never holds
// the secret itself.
type Credential struct {
	Name string
	Ref  credential.Ref
	Pos  Pos
}

// HealthCheckKind is the probe that a health check runs.
type HealthCheckKind string

// Health check kinds.
const (
	CheckService HealthCheckKind = "service" // a Windows service is running
	CheckProcess HealthCheckKind = "process" // a process is running
	CheckTCP     HealthCheckKind = "tcp"     // a TCP port on the host accepts connections
)

// HealthCheck is a post-patch check that a ring's gate requires. It applies
// to the hosts of Site, or to hosts running App, or to both when both are
// set.
type HealthCheck struct {
	Name   string
	Site   string
	App    string
	Kind   HealthCheckKind
	Target string // service or process name; empty for tcp
	Port   int    // for tcp
	Pos    Pos
}

// RebootMode is the runner's action when a patch needs a reboot.
type RebootMode string

// Reboot modes.
const (
	RebootAllow RebootMode = "allow" // reboot when needed
	RebootNever RebootMode = "never" // never reboot; report "reboot pending"
	RebootDefer RebootMode = "defer" // reboot unless an app runs or a user is logged on
)

// RebootPolicy is the reboot rule for the hosts matching Hosts or Tags.
type RebootPolicy struct {
	Name  string
	Mode  RebootMode
	Hosts []string // host names
	Tags  []string
	// DeferApps are the clinical applications (process names) whose running
	// defers a reboot in RebootDefer mode.
	DeferApps []string
	// DeferUserLoggedOn defers a reboot while a user is logged on.
	DeferUserLoggedOn bool
	Pos               Pos
}
