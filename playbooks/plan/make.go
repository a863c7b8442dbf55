package plan

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
)

// Options are the facts about the world a plan depends on.
type Options struct {
	At        time.Time
	Cycle     string // the patch cycle id, such as "2026-12" or an emergency id
	Overrides Overrides
	// Vars override the playbook's variables.
	Vars map[string]string
	// Windows reports whether a site's window is open. It is required.
	Windows Windows
	// History gives expected durations and ring outcomes. Nil means no
	// history: platform defaults, and no earlier ring has passed a gate.
	History History
	// CheckCredential returns an error when the host's credential cannot
	// be resolved. Nil skips the check.
	CheckCredential func(h *inventory.Host) error
	// SiteLock returns the holder of a site's run lock, or "" when the
	// site is free. Nil skips the check.
	SiteLock func(site string) string
	// Emergency makes the plan part of an emergency cycle; nil means the
	// monthly cycle. Cycle should then be the emergency's ID.
	Emergency *Emergency
}

// Windows reports whether a site's maintenance window is open.
type Windows interface {
	Window(site *inventory.Site, at time.Time) WindowState
}

// WindowState is a site's window at an instant.
type WindowState struct {
	Open   bool
	Closes time.Time // when the open window closes
	Opens  time.Time // when the window next opens; zero when it never does
}

// History is the journal data that planning reads.
type History interface {
	// ExpectedDuration returns how long the playbook took on the host
	// before, typically the longest of its recent successful runs.
	ExpectedDuration(host, playbook string) (time.Duration, bool)
	// RingOutcome returns the results of a ring in a cycle.
	RingOutcome(cycle, ring string) (RingOutcome, bool)
}

// DefaultDurations are the expected durations of hosts without history, by
// platform. They are estimates for a monthly cycle on practice hardware.
var DefaultDurations = map[inventory.Platform]time.Duration{
	inventory.PlatformWindows:       90 * time.Minute,
	inventory.PlatformWindowsServer: 2 * time.Hour,
	inventory.PlatformHyperV:        150 * time.Minute,
	inventory.PlatformMacOS:         time.Hour,
	inventory.PlatformLinuxApt:      30 * time.Minute,
	inventory.PlatformLinuxDnf:      30 * time.Minute,
	inventory.PlatformESXi:          time.Hour,
}

// defaultDuration applies to platforms missing from DefaultDurations.
const defaultDuration = 45 * time.Minute

// Make builds the plan for playbook pb over the hosts that sel selects.
func Make(inv *inventory.Inventory, pb *book.Playbook, sel Selection, opts Options) (*Plan, error) {
	if err := sel.Check(inv); err != nil {
		return nil, err
	}
	if opts.Windows == nil {
		return nil, fmt.Errorf("plan: no window source given")
	}
	p := &Plan{Playbook: pb, Selection: sel, At: opts.At, Cycle: opts.Cycle, Overrides: opts.Overrides, Emergency: opts.Emergency, GateFailures: map[string]string{}}
	p.Hosts = selectHosts(inv, sel)
	p.Devices = selectDevices(inv, sel)
	rings := ringsInPlan(p.Hosts)
	for _, ph := range p.Hosts {
		ph.Expected = expected(ph.Host, pb, opts.History)
		ph.Skip = skipFor(inv, pb, ph, opts, rings, p.GateFailures)
		if ph.Skip == nil {
			ph.Steps = stepsFor(pb, ph.ReadOnly)
		}
		stageInsteadOfSkip(pb, ph)
	}
	skipHypervisorsBeforeGuests(inv, p)
	return p, nil
}

// selectHosts returns the selected hosts in run order.
func selectHosts(inv *inventory.Inventory, sel Selection) []*Host {
	siteIndex := map[string]int{}
	for i, s := range inv.Sites {
		siteIndex[s.ID] = i
	}
	var hosts []*Host
	for _, h := range inv.Hosts {
		if sel.Matches(h) {
			stage := h.Order()
			hosts = append(hosts, &Host{Host: h, Stage: stage, Alone: stage >= 3})
		}
	}
	sort.SliceStable(hosts, func(i, j int) bool {
		a, b := hosts[i], hosts[j]
		if siteIndex[a.Host.Site] != siteIndex[b.Host.Site] {
			return siteIndex[a.Host.Site] < siteIndex[b.Host.Site]
		}
		if a.Stage != b.Stage {
			return a.Stage < b.Stage
		}
		return a.Host.Name < b.Host.Name
	})
	return hosts
}

// selectDevices returns the devices of the sites the selection names
// whose names match --hosts, so that a device named there is listed as
// never contacted instead of vanishing. A selection by ring or tag
// selects no device, because devices have neither.
func selectDevices(inv *inventory.Inventory, sel Selection) []*inventory.Device {
	if len(sel.Rings)+len(sel.Tags) > 0 {
		return nil
	}
	var out []*inventory.Device
	for _, d := range inv.Devices {
		if sel.MatchesSite(d.Site) && matchAny(sel.Hosts, d.Name, true) {
			out = append(out, d)
		}
	}
	return out
}

func ringsInPlan(hosts []*Host) map[string]bool {
	rings := map[string]bool{}
	for _, h := range hosts {
		rings[h.Host.Ring] = true
	}
	return rings
}

// skipFor returns why ph is skipped, or nil. The checks run from the most
// permanent reason to the most passing one, so the plan shows the reason
// that would still hold after the others are fixed last.
func skipFor(inv *inventory.Inventory, pb *book.Playbook, ph *Host, opts Options, rings map[string]bool, gates map[string]string) *Skip {
	h := ph.Host
	// The exception comes first: the technician must see that a host is
	// excepted whatever the playbook, not only that it is another platform.
	if s := exceptionSkip(inv, pb, ph); s != nil {
		return s
	}
	if !pb.Covers(string(h.Platform)) {
		return &Skip{Reason: ReasonPlatform, Detail: fmt.Sprintf("playbook %s covers %s, not %s", pb.Name, strings.Join(pb.Platforms, ", "), h.Platform)}
	}
	if s := missingKBSkip(opts.Emergency, h); s != nil {
		return s
	}
	if s := heldSkip(inv, pb, h, opts.Vars); s != nil {
		return s
	}
	if opts.CheckCredential != nil {
		if err := opts.CheckCredential(h); err != nil {
			return &Skip{Reason: ReasonCredential, Detail: err.Error()}
		}
	}
	if opts.SiteLock != nil {
		if holder := opts.SiteLock(h.Site); holder != "" {
			return &Skip{Reason: ReasonSiteLocked, Detail: fmt.Sprintf("site %s is locked by %s", h.Site, holder)}
		}
	}
	if pb.ReadOnlyByAction() {
		return nil
	}
	if s := gateSkip(inv, h, opts, rings, gates); s != nil {
		return s
	}
	return windowSkip(inv, pb, ph, opts)
}

func exceptionSkip(inv *inventory.Inventory, pb *book.Playbook, ph *Host) *Skip {
	exc := inv.ExceptionsFor(ph.Host.Name)
	if len(exc) == 0 {
		return nil
	}
	// A shell or powershell step declared read-only could still write, and
	// the write guard trusts that declaration, so only actions that read
	// by construction reach an excepted host.
	if pb.ReadOnlyByAction() {
		ph.ReadOnly = true
		return nil
	}
	e := exc[0]
	return &Skip{Reason: ReasonException, Exception: e.ID,
		Detail: fmt.Sprintf("exception %s (%s): %s; only read-only playbooks such as facts may run, and shell or powershell steps never count as read-only", e.ID, e.App, e.Reason)}
}

// heldSkip skips a host when the playbook names its updates (the
// "updates" or "kbs" variable, as an emergency playbook does) and every
// one of them is held for the host. It also skips network gear whose
// firmware is held (see heldFirmwareSkip).
func heldSkip(inv *inventory.Inventory, pb *book.Playbook, h *inventory.Host, vars map[string]string) *Skip {
	if s := heldFirmwareSkip(inv, pb, h, vars); s != nil {
		return s
	}
	named := cmp.Or(vars["updates"], vars["kbs"], pb.Variables["updates"], pb.Variables["kbs"])
	items := strings.FieldsFunc(named, func(r rune) bool { return r == ',' || r == ' ' })
	if len(items) == 0 {
		return nil
	}
	var held []string
	for _, item := range items {
		for _, hold := range inv.HoldsFor(h) {
			if strings.EqualFold(hold.Item, item) {
				held = append(held, fmt.Sprintf("%s (hold %s: %s)", item, hold.ID, hold.Reason))
				break
			}
		}
	}
	if len(held) < len(items) {
		return nil
	}
	return &Skip{Reason: ReasonHeld, Detail: "every named update is held: " + strings.Join(held, "; ")}
}

// heldFirmwareSkip skips network gear when a firmware hold names the
// playbook's "image" or "version" variable, matched as actions.FirmwareHold
// matches them in the firmware actions.
func heldFirmwareSkip(inv *inventory.Inventory, pb *book.Playbook, h *inventory.Host, vars map[string]string) *Skip {
	if !h.Platform.IsNetworkGear() {
		return nil
	}
	image := cmp.Or(vars["image"], pb.Variables["image"])
	version := cmp.Or(vars["version"], pb.Variables["version"])
	hold := actions.FirmwareHold(inv.HoldsFor(h), image, version)
	if hold == nil {
		return nil
	}
	return &Skip{Reason: ReasonHeld, Detail: fmt.Sprintf("the firmware is held: %s (hold %s: %s, re-check due %s)", hold.Item, hold.ID, hold.Reason, hold.Recheck)}
}

func windowSkip(inv *inventory.Inventory, pb *book.Playbook, ph *Host, opts Options) *Skip {
	if opts.Overrides.Window != "" || opts.Emergency.allowsBusinessHours() {
		return nil
	}
	site := inv.Site(ph.Host.Site)
	if site == nil || len(site.Windows) == 0 {
		return &Skip{Reason: ReasonNoWindow, Detail: fmt.Sprintf("site %s has no maintenance window; add one or use --override-window --reason TEXT", ph.Host.Site)}
	}
	w := opts.Windows.Window(site, opts.At)
	if !w.Open {
		return &Skip{Reason: ReasonWindowClosed, Opens: w.Opens,
			Detail: fmt.Sprintf("window of site %s is closed; it opens %s", site.ID, localTime(w.Opens, site))}
	}
	ph.WindowCloses = w.Closes
	if left := w.Closes.Sub(opts.At); left < ph.Expected {
		return &Skip{Reason: ReasonWindowShort, Opens: w.Opens,
			Detail: fmt.Sprintf("window of site %s closes %s, in %s, but the host needs about %s", site.ID, localTime(w.Closes, site), left.Round(time.Minute), ph.Expected)}
	}
	return nil
}

func expected(h *inventory.Host, pb *book.Playbook, hist History) time.Duration {
	if hist != nil {
		if d, ok := hist.ExpectedDuration(h.Name, pb.Name); ok && d > 0 {
			return d
		}
	}
	if d, ok := DefaultDurations[h.Platform]; ok {
		return d
	}
	return defaultDuration
}

func localTime(t time.Time, site *inventory.Site) string {
	if t.IsZero() {
		return "never"
	}
	if site.TimeZone != nil {
		t = t.In(site.TimeZone)
	}
	return t.Format(siteTimeLayout)
}

// stepsFor returns the playbook's steps for a host: every step, or only
// the read-only ones for an excepted host.
func stepsFor(pb *book.Playbook, readOnly bool) []book.Step {
	var steps []book.Step
	for _, s := range pb.Steps {
		if !readOnly || !s.Changes {
			steps = append(steps, s)
		}
	}
	return steps
}
