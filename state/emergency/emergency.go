// Package emergency keeps the emergency cycles of known exploited
// vulnerabilities: declaring one with its CVEs, affected hosts, deadline
// and notices to each site's contacts, attaching a playbook to a zero-day,
// recording patched hosts and closing. Everything is stored as journal
// records, and an Emergency is rebuilt by replaying them.
//
// Running an emergency is the runner's work: RunRequest produces what the
// runner needs (playbook, hosts, cycle kind, deadline).
package emergency

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"patchbay/state/event"
)

// Errors of this package, wrapped with the emergency ID.
var (
	// ErrNotFound is returned for an emergency ID the journal does not have.
	ErrNotFound = errors.New("emergency not found")
	// ErrClosed is returned for a change to a closed emergency.
	ErrClosed = errors.New("emergency is closed")
	// ErrNotRunnable is returned by RunRequest for a zero-day emergency
	// without a playbook.
	ErrNotRunnable = errors.New("emergency has no playbook yet")
)

// Emergency is one emergency cycle as rebuilt from the journal.
type Emergency struct {
	ID       string    `json:"id"`
	CVEs     []string  `json:"cves"`
	Reason   string    `json:"reason,omitempty"`
	Declared time.Time `json:"declared"`
	Deadline time.Time `json:"deadline"`
	// KEVAdded is the earliest date a CVE of the emergency joined the
	// catalogue, or zero when none is in it (a zero-day).
	KEVAdded time.Time `json:"kev_added,omitzero"`
	Hosts    []string  `json:"hosts"`
	Sites    []string  `json:"sites,omitempty"`
	Playbook string    `json:"playbook,omitempty"`
	Operator string    `json:"operator,omitempty"`
	// Controls are the compensating controls in place until hosts are
	// patched.
	Controls []string `json:"controls,omitempty"`
	// Patched maps each patched host to the first time it was patched.
	Patched     map[string]time.Time `json:"patched,omitempty"`
	Closed      time.Time            `json:"closed,omitzero"`
	CloseReason string               `json:"close_reason,omitempty"`
	// ClosedBy is the OS user who closed the emergency, followed by the
	// --operator name in brackets when one was given.
	ClosedBy string `json:"closed_by,omitempty"`
	// WindowsFixes are the KBs and fixed builds that Microsoft's documents
	// give for the CVEs on each affected Windows host.
	WindowsFixes []event.WindowsFix `json:"windows_fixes,omitempty"`
	// Notices maps a site ID to the notice text journaled for its contacts.
	Notices map[string]string `json:"notices,omitempty"`
}

// Open reports whether the emergency is not closed.
func (e *Emergency) Open() bool { return e.Closed.IsZero() }

// ZeroDay reports whether the emergency has no playbook yet, which means
// no patch is known and only compensating controls protect the hosts.
func (e *Emergency) ZeroDay() bool { return e.Playbook == "" }

// FirstPatched returns the earliest time a host was patched, or zero.
func (e *Emergency) FirstPatched() time.Time { return e.patchedBound(-1) }

// LastPatched returns the latest time a host was patched, or zero.
func (e *Emergency) LastPatched() time.Time { return e.patchedBound(+1) }

func (e *Emergency) patchedBound(sign int) time.Time {
	var bound time.Time
	for _, t := range e.Patched {
		if bound.IsZero() || t.Compare(bound) == sign {
			bound = t
		}
	}
	return bound
}

// Remaining returns the affected hosts not yet patched, in declared order.
func (e *Emergency) Remaining() []string {
	var hosts []string
	for _, h := range e.Hosts {
		if _, ok := e.Patched[h]; !ok {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// RunRequest is the input of an emergency run: the playbook, the hosts
// still to patch, the cycle and the deadline. The runner is expected to
// keep the rings in order with their emergency soak and to skip holds and
// exceptions. BusinessHours tells it that the notice went out.
type RunRequest struct {
	Playbook  string
	Hosts     []string
	CycleKind event.CycleKind
	CycleID   string
	Deadline  time.Time
	// BusinessHours allows deployment outside the maintenance windows.
	BusinessHours bool
	// KBs are the KBs of the remaining hosts' Windows fixes, sorted, for
	// the playbook's kbs variable.
	KBs []string
	// FixedBuilds are the fixed builds of the remaining hosts' Windows
	// fixes, sorted, for the playbook's fixed_builds variable.
	FixedBuilds []string
	// MissingKB maps each remaining Windows host for which no document
	// names a KB to the reason.
	MissingKB map[string]string
}

// RunRequest returns the run request for the hosts not yet patched.
func (e *Emergency) RunRequest() (RunRequest, error) {
	switch {
	case !e.Open():
		return RunRequest{}, fmt.Errorf("run emergency %s: %w", e.ID, ErrClosed)
	case e.ZeroDay():
		return RunRequest{}, fmt.Errorf("run emergency %s: %w: attach one with patchbay emergency attach %s --playbook NAME", e.ID, ErrNotRunnable, e.ID)
	}
	req := RunRequest{
		Playbook:      e.Playbook,
		Hosts:         e.Remaining(),
		CycleKind:     event.CycleEmergency,
		CycleID:       e.ID,
		Deadline:      e.Deadline,
		BusinessHours: len(e.Notices) > 0,
	}
	req.KBs, req.FixedBuilds, req.MissingKB = e.windowsUpdates(req.Hosts)
	return req, nil
}

// windowsUpdates collects the KBs and fixed builds of hosts' Windows
// fixes, and the hosts with a CVE that no document names a KB for.
func (e *Emergency) windowsUpdates(hosts []string) (kbs, builds []string, missing map[string]string) {
	for _, f := range e.WindowsFixes {
		if !slices.Contains(hosts, f.Host) {
			continue
		}
		if f.KB == "" {
			if missing == nil {
				missing = map[string]string{}
			}
			missing[f.Host] = fmt.Sprintf("no KB for %s on this host, because %s. Declare the emergency again once that is fixed, or give --var kbs=KB<number>", f.CVE, f.Missing)
			continue
		}
		kbs = appendNew(kbs, f.KB)
		if f.FixedBuild != "" {
			builds = appendNew(builds, f.FixedBuild)
		}
	}
	slices.Sort(kbs)
	slices.Sort(builds)
	return kbs, builds, missing
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// SiteClock is the deadline clock of one site of an emergency.
type SiteClock struct {
	Site     string
	Deadline time.Time // in the site's time zone
	// Remaining is the time left until the deadline. It is negative once
	// the deadline passed.
	Remaining time.Duration
	Patched   int
	Total     int
}

// Overdue reports whether the deadline passed with hosts still unpatched.
func (c SiteClock) Overdue() bool { return c.Remaining < 0 && c.Patched < c.Total }

// Clock returns the deadline clock of site, whose hosts are siteHosts and
// whose time zone is loc (nil means UTC), at now.
func (e *Emergency) Clock(site string, loc *time.Location, siteHosts []string, now time.Time) SiteClock {
	if loc == nil {
		loc = time.UTC
	}
	c := SiteClock{Site: site, Deadline: e.Deadline.In(loc), Remaining: e.Deadline.Sub(now)}
	for _, h := range e.Hosts {
		if !slices.Contains(siteHosts, h) {
			continue
		}
		c.Total++
		if _, ok := e.Patched[h]; ok {
			c.Patched++
		}
	}
	return c
}
