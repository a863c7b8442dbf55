package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/state"
	"patchbay/state/emergency"
)

// emergencyTarget is the emergency, and its run request, that `plan
// --emergency` and `run --emergency` read from the journal.
type emergencyTarget struct {
	emergency *emergency.Emergency
	request   emergency.RunRequest
}

// loadEmergencyTarget replays emergency id from the journal and returns
// its run request, with f's selection narrowed to the hosts still to
// patch. A --hosts, --site, --ring or --tag selection narrows them
// further.
func (a *app) loadEmergencyTarget(ctx context.Context, store *state.Store, id string, f *planFlags) (*emergencyTarget, error) {
	if store == nil {
		return nil, usageErrorf("emergency %s not found: the state directory has no journal yet; pass --state DIR", id)
	}
	list, err := replayEmergencies(ctx, store)
	if err != nil {
		return nil, err
	}
	e, err := emergency.Find(list, id)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	req, err := e.RunRequest()
	switch {
	case errors.Is(err, emergency.ErrClosed):
		return nil, withExit(ExitPolicy, err)
	case err != nil:
		return nil, usageErrorf("%w", err)
	}
	hosts := narrowHosts(req.Hosts, f.sel.Hosts)
	if f.resumesEmergency {
		// A resume keeps the hosts of the run it resumes, patched ones
		// too, so the runner judges its rings' gates as that run did.
		hosts = f.sel.Hosts
	}
	if len(hosts) == 0 {
		return nil, withExit(ExitPolicy, fmt.Errorf("emergency %s has no unpatched host in the selection (%d of %d patched); close it with patchbay emergency close %s",
			e.ID, len(e.Patched), len(e.Hosts), e.ID))
	}
	f.sel.Hosts = hosts
	addEmergencyKBs(f, &req)
	return &emergencyTarget{emergency: e, request: req}, nil
}

// addEmergencyKBs passes the KBs and fixed builds that the emergency
// journaled for its Windows hosts as the kbs and fixed_builds variables.
// KBs given with --var kbs replace the journaled ones and apply to every
// host, so no host then counts as missing a KB.
func addEmergencyKBs(f *planFlags, req *emergency.RunRequest) {
	varGiven := func(name string) bool {
		return slices.ContainsFunc(f.vars, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
	}
	if varGiven("kbs") {
		req.MissingKB = nil
	} else if len(req.KBs) > 0 {
		f.vars = append(f.vars, "kbs="+strings.Join(req.KBs, ","))
	}
	if len(req.FixedBuilds) > 0 && !varGiven("fixed_builds") {
		f.vars = append(f.vars, "fixed_builds="+strings.Join(req.FixedBuilds, ","))
	}
}

// narrowHosts returns the hosts that match one of the patterns, or every
// host when there are no patterns.
func narrowHosts(hosts, patterns []string) []string {
	if len(patterns) == 0 {
		return hosts
	}
	var out []string
	for _, h := range hosts {
		for _, p := range patterns {
			if ok, _ := path.Match(p, h); ok || p == h {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

// planEmergency returns the plan's view of the emergency.
func (t *emergencyTarget) planEmergency() *plan.Emergency {
	if t == nil {
		return nil
	}
	return &plan.Emergency{ID: t.request.CycleID, Deadline: t.request.Deadline, BusinessHours: t.request.BusinessHours,
		MissingKB: t.request.MissingKB}
}

// writeEmergencyClocks prints the emergency's deadline clock for each of
// its sites.
func (a *app) writeEmergencyClocks(w io.Writer, e *emergency.Emergency, inv *inventory.Inventory) {
	windows := "maintenance windows only (no notice journaled)"
	if len(e.Notices) > 0 {
		windows = "business hours allowed (notices journaled)"
	}
	fmt.Fprintf(w, "Emergency %s, deadline %s, %s:\n", e.ID, e.Deadline.UTC().Format(time.RFC3339), windows)
	for _, siteID := range e.Sites {
		a.printSiteClock(w, e, inv, siteID)
	}
}

// printRunClocks replays emergency id after a run, so the hosts the run
// patched count, and prints its deadline clock per site on stderr.
func (a *app) printRunClocks(store *state.Store, inv *inventory.Inventory, id string) {
	list, err := replayEmergencies(context.Background(), store)
	if err != nil {
		fmt.Fprintf(a.env.Stderr, "read emergency %s for its deadline clock: %v\n", id, err)
		return
	}
	if e, err := emergency.Find(list, id); err == nil {
		a.writeEmergencyClocks(a.env.Stderr, e, inv)
	}
}

// siteClockJSON is one site's deadline clock in `plan --json`.
type siteClockJSON struct {
	Site      string    `json:"site"`
	Deadline  time.Time `json:"deadline"`
	Remaining string    `json:"remaining"`
	Overdue   bool      `json:"overdue,omitempty"`
	Patched   int       `json:"patched"`
	Total     int       `json:"total"`
}

// emergencyJSON is the emergency of `plan --json`.
type emergencyJSON struct {
	ID            string          `json:"id"`
	Deadline      time.Time       `json:"deadline"`
	BusinessHours bool            `json:"business_hours"`
	Sites         []siteClockJSON `json:"sites"`
}

func (a *app) emergencyJSONOf(t *emergencyTarget, inv *inventory.Inventory) *emergencyJSON {
	if t == nil {
		return nil
	}
	e := t.emergency
	doc := &emergencyJSON{ID: e.ID, Deadline: e.Deadline, BusinessHours: t.request.BusinessHours, Sites: []siteClockJSON{}}
	for _, siteID := range e.Sites {
		c := e.Clock(siteID, siteLocation(inv, siteID), siteHostNames(inv, siteID), a.now())
		doc.Sites = append(doc.Sites, siteClockJSON{Site: c.Site, Deadline: c.Deadline, Remaining: c.Remaining.Round(time.Minute).String(),
			Overdue: c.Overdue(), Patched: c.Patched, Total: c.Total})
	}
	return doc
}

func siteLocation(inv *inventory.Inventory, siteID string) *time.Location {
	if s := inv.Site(siteID); s != nil {
		return s.TimeZone
	}
	return nil
}

func siteHostNames(inv *inventory.Inventory, siteID string) []string {
	var names []string
	for _, h := range inv.HostsOf(siteID) {
		names = append(names, h.Name)
	}
	return names
}

// checkPlaybookArg requires exactly one of the PLAYBOOK argument and
// --emergency.
func checkPlaybookArg(args []string, emergencyID string) error {
	switch {
	case emergencyID != "" && len(args) > 0:
		return usageErrorf("--emergency %s takes the playbook from the emergency; drop the PLAYBOOK argument %q", emergencyID, args[0])
	case emergencyID == "" && len(args) == 0:
		return usageErrorf("name the playbook, or an emergency with --emergency ID; patchbay playbooks lists playbooks")
	}
	return nil
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// resolveEmergency returns the playbook to plan and, with --emergency, the
// emergency whose playbook replaces name.
func (a *app) resolveEmergency(ctx context.Context, store *state.Store, f *planFlags, name string) (string, *emergencyTarget, error) {
	if f.emergency == "" {
		return name, nil, nil
	}
	t, err := a.loadEmergencyTarget(ctx, store, f.emergency, f)
	if err != nil {
		return "", nil, err
	}
	return t.request.Playbook, t, nil
}
