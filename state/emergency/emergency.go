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
}

// RunRequest returns the run request for the hosts not yet patched.
func (e *Emergency) RunRequest() (RunRequest, error) {
	switch {
	case !e.Open():
		return RunRequest{}, fmt.Errorf("run emergency %s: %w", e.ID, ErrClosed)
	case e.ZeroDay():
		return RunRequest{}, fmt.Errorf("run emergency %s: %w: attach one with patchbay emergency attach %s --playbook NAME", e.ID, ErrNotRunnable, e.ID)
	}
	return RunRequest{
		Playbook:      e.Playbook,
		Hosts:         e.Remaining(),
		CycleKind:     event.CycleEmergency,
		CycleID:       e.ID,
		Deadline:      e.Deadline,
		BusinessHours: len(e.Notices) > 0,
	}, nil
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
