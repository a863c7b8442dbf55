package lab

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Update is one pending or installed update: a package, a KB or a firmware
// image.
type Update struct {
	ID      string // package name, KB number or image name
	Title   string // display title where the platform shows one; may be empty
	Version string // version after the update
	From    string // version installed before the update; empty for a new package
	Arch    string // package architecture, such as amd64 or x86_64
	Source  string // apt suite or dnf repository the update comes from
	SizeKB  int64

	// NeedsReboot is set for updates that take effect only after a reboot.
	NeedsReboot bool
	// Build and Revision, when Build is set, are the OS build the host
	// boots into after this update: a kernel release, a Windows build.
	Build    string
	Revision int
	// FailCode, when set, makes installing the update fail with this code:
	// an HRESULT such as 0x80240022 on Windows, an exit status elsewhere.
	FailCode string
}

// State is the whole state of an emulated host. Personalities
// read and change it through Host.View and Host.Change.
type State struct {
	Platform string
	OS       string // pretty OS name, such as "Debian GNU/Linux 12 (bookworm)"
	Build    string // kernel release, Windows build or firmware version
	Revision int    // update build revision (Windows UBR); 0 where unused

	Pending   []Update
	Installed []Update
	Held      map[string]bool // update IDs on hold (apt-mark hold, versionlock)

	// StagedBuild and StagedRevision are the build the next boot starts,
	// set when an installed update carries a build.
	StagedBuild    string
	StagedRevision int

	DiskSizeMB int64
	FreeDiskMB int64
	BootTime   time.Time
	Users      []string // logged-on users
	Apps       []string // running applications

	RebootPending  bool
	RebootReason   string
	RebootPackages []string // packages that asked for the reboot

	// Files holds files written to the host, by path, such as scp copies.
	Files map[string][]byte
	// Facts holds platform-specific values, such as "maintenance-mode".
	Facts map[string]string
}

// clone returns a deep copy of s.
func (s State) clone() State {
	c := s
	c.Pending = slices.Clone(s.Pending)
	c.Installed = slices.Clone(s.Installed)
	c.Held = maps.Clone(s.Held)
	c.Users = slices.Clone(s.Users)
	c.Apps = slices.Clone(s.Apps)
	c.RebootPackages = slices.Clone(s.RebootPackages)
	c.Files = maps.Clone(s.Files)
	c.Facts = maps.Clone(s.Facts)
	return c
}

// Timing sets how long a host takes to go down and come back.
type Timing struct {
	// ShutdownDelay is how long after a reboot command the host stops
	// accepting connections, so the command's own reply reaches the client.
	ShutdownDelay time.Duration
	// RebootDuration is how long the host stays offline during a reboot.
	RebootDuration time.Duration
}

// DefaultTiming is short enough for a whole patch cycle in minutes.
var DefaultTiming = Timing{ShutdownDelay: 200 * time.Millisecond, RebootDuration: 5 * time.Second}

// Host is one emulated machine. Its methods are safe for concurrent use.
type Host struct {
	name        string
	personality Personality
	clock       Clock
	timing      Timing

	mu         sync.Mutex
	state      State
	online     bool
	rebooting  bool
	generation uint64
	faults     Faults
	watchers   []func(online bool)
	loopUpdate []Update // updates that come back after each reboot (reboot-loop)
}

// NewHost returns an online host of the given platform, with the initial
// state its personality gives it. Seed varies that state between hosts of
// one platform. It fails for a platform that has no personality.
func NewHost(name, platform string, seed int, clock Clock, timing Timing) (*Host, error) {
	p, err := Lookup(platform)
	if err != nil {
		return nil, err
	}
	return newHost(name, platform, p, seed, clock, timing), nil
}

func newHost(name, platform string, p Personality, seed int, clock Clock, timing Timing) *Host {
	h := &Host{name: name, personality: p, clock: clock, timing: timing, online: true}
	h.state = State{Platform: platform, Held: map[string]bool{}, Files: map[string][]byte{}, Facts: map[string]string{}}
	p.Init(&h.state, seed)
	h.state.BootTime = clock.Now().Add(-time.Duration(3+seed%20) * 24 * time.Hour)
	return h
}

// Name returns the host's lab name, as in the inventory.
func (h *Host) Name() string { return h.name }

// Platform returns the host's platform name.
func (h *Host) Platform() string { return h.state.Platform }

// Clock returns the clock the host runs on.
func (h *Host) Clock() Clock { return h.clock }

// View calls fn with the host's state under its lock. Fn must not keep the
// pointer or change the state.
func (h *Host) View(fn func(s *State)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(&h.state)
}

// Change calls fn with the host's state under its lock and records that the
// host changed, which the command log reports for the running command.
func (h *Host) Change(fn func(s *State)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fn(&h.state)
	h.generation++
}

// ChangeIf is Change for a function that reports whether it changed the
// state, so that a command without effect is not logged as changing.
func (h *Host) ChangeIf(fn func(s *State) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if fn(&h.state) {
		h.generation++
	}
}

// Snapshot returns a copy of the host's state.
func (h *Host) Snapshot() State {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state.clone()
}

// Generation returns a counter that Change and reboots increase. The
// handler compares it before and after a command to tell whether the
// command changed the host.
func (h *Host) Generation() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.generation
}

// Online reports whether the host accepts connections.
func (h *Host) Online() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.online
}

// Faults returns the faults injected into the host.
func (h *Host) Faults() Faults {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.faults.clone()
}

// SetFaults replaces the host's faults. The offline fault takes the host
// offline at once and clearing it brings the host back.
func (h *Host) SetFaults(f Faults) {
	h.mu.Lock()
	h.faults = f.clone()
	wasOnline := h.online
	h.online = !f.Has(FaultOffline) && !h.rebooting
	watchers, now := slices.Clone(h.watchers), h.online
	h.mu.Unlock()
	if now != wasOnline {
		notify(watchers, now)
	}
}

// Watch registers fn to be called with the new value each time the host goes
// offline or comes back. The servers use it to refuse and drop connections.
func (h *Host) Watch(fn func(online bool)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watchers = append(h.watchers, fn)
}

func notify(watchers []func(bool), online bool) {
	for _, w := range watchers {
		w(online)
	}
}
