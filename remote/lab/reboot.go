package lab

import "slices"

// Booter is implemented by personalities that change more than the boot
// time, build and reboot flag when a host comes back from a reboot.
type Booter interface {
	Booted(s *State)
}

// Rebooting reports whether a reboot was requested and the host has not yet
// come back.
func (h *Host) Rebooting() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rebooting
}

// Reboot restarts the host: after Timing.ShutdownDelay it goes offline, and
// Timing.RebootDuration later it comes back with a new boot time and the
// staged build. With the reboot-never-returns fault it stays offline. A
// reboot requested while one is under way is ignored.
func (h *Host) Reboot() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rebooting {
		return
	}
	h.rebooting = true
	h.generation++
	h.clock.AfterFunc(h.timing.ShutdownDelay, h.goDown)
}

func (h *Host) goDown() {
	h.mu.Lock()
	wasOnline := h.online
	h.online = false
	watchers := slices.Clone(h.watchers)
	never := h.faults.Has(FaultRebootNeverReturns)
	h.mu.Unlock()

	if wasOnline {
		notify(watchers, false)
	}
	if !never {
		h.clock.AfterFunc(h.timing.RebootDuration, h.comeBack)
	}
}

func (h *Host) comeBack() {
	h.mu.Lock()
	h.boot()
	h.rebooting = false
	h.online = !h.faults.Has(FaultOffline)
	watchers, online := slices.Clone(h.watchers), h.online
	h.mu.Unlock()

	if online {
		notify(watchers, true)
	}
}

// boot applies a finished reboot to the state. The caller holds h.mu.
func (h *Host) boot() {
	s := &h.state
	s.BootTime = h.clock.Now()
	if h.faults.Has(FaultRebootLoop) {
		h.requeueRebootUpdates()
	} else if s.StagedBuild != "" {
		s.Build, s.Revision = s.StagedBuild, s.StagedRevision
	}
	s.StagedBuild, s.StagedRevision = "", 0
	s.RebootPending, s.RebootReason, s.RebootPackages = false, "", nil
	s.Users = nil // users log on again later; services and apps restart
	if b, ok := h.personality.(Booter); ok {
		b.Booted(s)
	}
	h.generation++
}

// requeueRebootUpdates moves the updates that asked for this reboot back
// to pending, as a Windows update does that fails and reverts during boot.
// The caller holds h.mu.
func (h *Host) requeueRebootUpdates() {
	s := &h.state
	var back []Update
	s.Installed = slices.DeleteFunc(s.Installed, func(u Update) bool {
		if u.NeedsReboot && slices.Contains(s.RebootPackages, u.ID) {
			back = append(back, u)
			return true
		}
		return false
	})
	for _, u := range back {
		if !slices.ContainsFunc(s.Pending, func(p Update) bool { return p.ID == u.ID }) {
			s.Pending = append(s.Pending, u)
		}
	}
}
