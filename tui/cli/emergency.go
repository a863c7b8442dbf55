package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/event"
	"patchbay/state/exposure"
	"patchbay/state/kev"
)

// defaultEmergencyDeadline is the time from declaration to deadline when
// --deadline is not given, the upper end of the usual 24 to 72 hours.
const defaultEmergencyDeadline = 72 * time.Hour

func (a *app) newEmergencyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "emergency",
		Short: "Declare, list, show, attach and close emergency cycles",
		Long: `emergency manages patch cycles for actively exploited vulnerabilities,
outside the monthly cycle: an emergency has its CVEs, the affected hosts,
a playbook, a deadline and a notice for each site's contacts, all
written to the journal. An emergency declared without a playbook is a
zero-day: it records compensating controls and becomes runnable once a
playbook is attached.`,
	}
	cmd.AddCommand(a.newEmergencyDeclareCmd(), a.newEmergencyListCmd(), a.newEmergencyShowCmd(),
		a.newEmergencyAttachCmd(), a.newEmergencyCloseCmd())
	return cmd
}

type declareOptions struct {
	cves     []string
	deadline time.Duration
	playbook string
	reason   string
	controls []string
	hosts    []string
	site     string
	// playbooks is the folder of user playbooks that --playbook may name.
	playbooks string
}

func (a *app) newEmergencyDeclareCmd() *cobra.Command {
	var o declareOptions
	cmd := &cobra.Command{
		Use:   "declare CVE...",
		Short: "Declare an emergency for CVEs and notify the affected sites",
		Long: `declare finds the hosts the CVEs expose (as kev match does: exposed and
possibly exposed, never excepted hosts or medical devices), adds the hosts
given with --host, and journals the emergency with its deadline and one
notice per affected site, which it prints. Sending the notices is left to
the operator.

For each affected Windows host it also journals and prints the KB and
fixed build that the imported Microsoft documents (kev import-msrc) give
for the CVEs on the host's product, from the build in its last facts.
run --emergency passes them as the kbs and fixed_builds variables unless
--var kbs is given. A Windows host without a KB is reported here and
skipped by plan and run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cves = args
			return a.emergencyDeclare(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.deadline, "deadline", defaultEmergencyDeadline, "time from now until every affected host must be patched, such as 24h or 72h")
	f.StringVar(&o.playbook, "playbook", "", "playbook that installs the fix; leave out for a zero-day without a patch")
	f.StringVar(&o.reason, "reason", "", "why the emergency is declared, for the journal and the notices")
	f.StringArrayVar(&o.controls, "control", nil, "compensating control in place until hosts are patched (repeatable; required without --playbook)")
	f.StringArrayVar(&o.hosts, "host", nil, "inventory host to include besides the matched ones (repeatable)")
	f.StringVar(&o.site, "site", "", "declare for the hosts of this site ID only")
	f.StringVar(&o.playbooks, "playbooks", "", "folder of user playbooks, in addition to the built-in ones")
	return cmd
}

func (a *app) emergencyDeclare(ctx context.Context, o declareOptions) error {
	_, inv, err := a.loadInventory()
	if err != nil {
		return err
	}
	cves, entries, err := a.emergencyCVEs(o.cves)
	if err != nil {
		return err
	}
	affected, err := a.affectedHosts(ctx, inv, entries, o)
	if err != nil {
		return err
	}
	if o.playbook != "" {
		if err := a.checkFixPlaybook(o.playbook, o.playbooks); err != nil {
			return err
		}
	}
	fixes, err := a.windowsFixes(ctx, inv, cves, affected)
	if err != nil {
		return err
	}
	store, err := a.openKEVJournal()
	if err != nil {
		return err
	}
	defer store.Close()

	d := emergency.Declaration{
		CVEs: cves, Reason: o.reason,
		Playbook: o.playbook, Controls: o.controls, Operator: a.operatorName(),
		Now: a.now(), Deadline: o.deadline, Sites: declarationSites(inv, affected),
		WindowsFixes: fixes,
	}
	err = appendAfterReplay(ctx, store, func(existing []*emergency.Emergency) ([]event.Event, error) {
		d.ID = emergency.NextID(existing, a.now())
		events, err := emergency.Declare(d)
		if err != nil {
			return nil, usageErrorf("%w", err)
		}
		return events, nil
	})
	if err != nil {
		return err
	}
	a.printDeclaration(d)
	a.printWindowsFixes(d)
	return nil
}

// maxAppendTries bounds how often appendAfterReplay reads the emergencies
// again because another process appended to the journal meanwhile.
const maxAppendTries = 5

// appendAfterReplay replays the journal's emergencies, builds events from
// them and appends the events only if no other writer appended in between,
// so that two processes never declare the same emergency ID or change an
// emergency from a stale state. It replays and builds again when the
// journal moved.
func appendAfterReplay(ctx context.Context, store *state.Store, build func([]*emergency.Emergency) ([]event.Event, error)) error {
	for try := 1; ; try++ {
		head, err := store.Head(ctx)
		if err != nil {
			return withExit(ExitFailures, err)
		}
		existing, err := replayEmergencies(ctx, store)
		if err != nil {
			return err
		}
		events, err := build(existing)
		if err != nil {
			return err
		}
		_, err = store.AppendAfter(ctx, head, events...)
		if errors.Is(err, state.ErrHeadMoved) {
			if try < maxAppendTries {
				continue
			}
			return withExit(ExitFailures, fmt.Errorf("journal the emergency: %w %d times, because other patchbay processes keep writing: run the command again", err, try))
		}
		if err != nil {
			return withExit(ExitFailures, fmt.Errorf("journal the emergency: %w", err))
		}
		return nil
	}
}

// emergencyCVEs checks the CVE IDs and looks them up in the imported
// catalogue, if there is one. A CVE outside the catalogue is allowed,
// because a zero-day may not be listed yet.
func (a *app) emergencyCVEs(ids []string) ([]emergency.CVE, []kev.Entry, error) {
	dir, err := state.ResolveDir(a.stateDir, a.getenv)
	if err != nil {
		return nil, nil, usageErrorf("%w", err)
	}
	catalogue, err := kev.Load(dir)
	if err != nil && !errors.Is(err, kev.ErrNoCatalogue) {
		return nil, nil, withExit(ExitFailures, err)
	}
	var cves []emergency.CVE
	var entries []kev.Entry
	for _, id := range ids {
		id = strings.ToUpper(strings.TrimSpace(id))
		if !kev.ValidCVE(id) {
			return nil, nil, usageErrorf("%q is not a CVE ID like CVE-2024-21412", id)
		}
		cve := emergency.CVE{ID: id}
		if catalogue != nil {
			if e, ok := catalogue.Lookup(id); ok {
				cve.Name, cve.Added = e.Name, e.Added.Time
				entries = append(entries, e)
			}
		}
		cves = append(cves, cve)
	}
	return cves, entries, nil
}

// affectedHosts returns the names of the hosts that the entries expose or
// possibly expose, and the hosts named with --host, limited to o.site.
func (a *app) affectedHosts(ctx context.Context, inv *inventory.Inventory, entries []kev.Entry, o declareOptions) ([]string, error) {
	if o.site != "" && inv.Site(o.site) == nil {
		return nil, usageErrorf("--site %q is not a site of the inventory", o.site)
	}
	var hosts []string
	if len(entries) > 0 {
		findings, err := a.matchFleet(ctx, inv, entries, o.site)
		if err != nil {
			return nil, err
		}
		for _, f := range findings {
			if (f.Status == exposure.StatusExposed || f.Status == exposure.StatusPossiblyExposed) && !slices.Contains(hosts, f.Host) {
				hosts = append(hosts, f.Host)
			}
		}
	}
	for _, name := range o.hosts {
		if err := checkNamedHost(inv, name, o.site); err != nil {
			return nil, err
		}
		if !slices.Contains(hosts, name) {
			hosts = append(hosts, name)
		}
	}
	return hosts, nil
}

// checkNamedHost rejects a --host that is not a patchable inventory host of
// the chosen site. Excepted hosts and medical devices are rejected with the
// policy exit code.
func checkNamedHost(inv *inventory.Inventory, name, site string) error {
	h := inv.Host(name)
	switch {
	case h == nil && slices.ContainsFunc(inv.Devices, func(d *inventory.Device) bool { return d.Name == name }):
		return withExit(ExitPolicy, fmt.Errorf("--host %s is a medical device, which is patched only through its vendor", name))
	case h == nil:
		return usageErrorf("--host %q is not a host of the inventory", name)
	case site != "" && h.Site != site:
		return usageErrorf("--host %s is at site %s, not at --site %s", name, h.Site, site)
	case len(inv.ExceptionsFor(name)) > 0:
		return withExit(ExitPolicy, fmt.Errorf("--host %s is under exception %s and is never a patch target", name, inv.ExceptionsFor(name)[0].ID))
	}
	return nil
}

// declarationSites groups hosts by site, with each site's contacts and
// time zone, in inventory order.
func declarationSites(inv *inventory.Inventory, hosts []string) []emergency.Site {
	var sites []emergency.Site
	for _, s := range inv.Sites {
		site := emergency.Site{ID: s.ID, Name: s.Name, TimeZone: s.TimeZone}
		for _, h := range inv.HostsOf(s.ID) {
			if slices.Contains(hosts, h.Name) {
				site.Hosts = append(site.Hosts, h.Name)
			}
		}
		if len(site.Hosts) == 0 {
			continue
		}
		for _, c := range s.Contacts {
			site.Contacts = append(site.Contacts, emergency.Contact{Name: c.Name, Email: c.Email})
		}
		sites = append(sites, site)
	}
	return sites
}

// osUserName returns the OS user running patchbay, or "unknown".
func osUserName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

func (a *app) operatorName() string {
	if a.operator != "" {
		return a.operator
	}
	return a.getenv("USER")
}

func (a *app) printDeclaration(d emergency.Declaration) {
	out := a.env.Stdout
	kind := "playbook " + d.Playbook
	if d.Playbook == "" {
		kind = "zero-day, no playbook yet"
	}
	fmt.Fprintf(out, "declared emergency %s (%s) for %s\n", d.ID, kind, cveList(d.CVEs))
	for _, s := range d.Sites {
		fmt.Fprintf(out, "  %-12s %d hosts, deadline %s\n", s.ID, len(s.Hosts), siteDeadline(d.Now.Add(d.Deadline), s.TimeZone))
	}
	for _, s := range d.Sites {
		fmt.Fprintf(out, "\n--- notice for %s (journaled, not sent) ---\n%s", s.ID, emergency.NoticeText(d, s))
	}
}

func cveList(cves []emergency.CVE) string {
	ids := make([]string, len(cves))
	for i, c := range cves {
		ids[i] = c.ID
	}
	return strings.Join(ids, ", ")
}

func siteDeadline(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func replayEmergencies(ctx context.Context, store *state.Store) ([]*emergency.Emergency, error) {
	recs, err := store.Records(ctx, state.Filter{Kinds: emergency.Kinds})
	if err != nil {
		return nil, withExit(ExitFailures, err)
	}
	list, err := emergency.Replay(recs)
	if err != nil {
		return nil, withExit(ExitFailures, err)
	}
	return list, nil
}

// loadEmergencies opens the journal and replays its emergencies.
func (a *app) loadEmergencies(ctx context.Context) (*state.Store, []*emergency.Emergency, error) {
	store, err := a.openKEVJournal()
	if err != nil {
		return nil, nil, err
	}
	list, err := replayEmergencies(ctx, store)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, list, nil
}

func (a *app) newEmergencyListCmd() *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List open emergencies with their deadline and progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.emergencyList(cmd.Context(), all, asJSON)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "list closed emergencies too")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the emergencies as JSON")
	return cmd
}

func (a *app) emergencyList(ctx context.Context, all, asJSON bool) error {
	store, list, err := a.loadEmergencies(ctx)
	if err != nil {
		return err
	}
	store.Close()
	shown := []*emergency.Emergency{}
	for _, e := range list {
		if all || e.Open() {
			shown = append(shown, e)
		}
	}
	if asJSON {
		return a.printJSONValue(shown)
	}
	if len(shown) == 0 {
		fmt.Fprintln(a.env.Stdout, "no open emergencies")
		return nil
	}
	for _, e := range shown {
		a.printEmergencyLine(a.env.Stdout, e)
	}
	return nil
}

func (a *app) printEmergencyLine(w io.Writer, e *emergency.Emergency) {
	status := "open, " + remainingText(e.Deadline.Sub(a.now()))
	if !e.Open() {
		status = closedText(e)
	}
	playbook := e.Playbook
	if e.ZeroDay() {
		playbook = "zero-day"
	}
	fmt.Fprintf(w, "%s  %s  %s  deadline %s (%s)  patched %d/%d\n",
		e.ID, strings.Join(e.CVEs, ","), playbook, e.Deadline.UTC().Format("2006-01-02 15:04 MST"),
		status, len(e.Patched), len(e.Hosts))
}

// closedText returns the time e was closed and the operator who closed it.
func closedText(e *emergency.Emergency) string {
	return fmt.Sprintf("closed at %s by %s", e.Closed.UTC().Format("2006-01-02 15:04 MST"), cmp.Or(e.ClosedBy, "an unrecorded operator"))
}

func remainingText(d time.Duration) string {
	if d < 0 {
		return "overdue by " + (-d).Round(time.Minute).String()
	}
	return d.Round(time.Minute).String() + " left"
}

func (a *app) newEmergencyShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an emergency with its deadline clock per site and its notices",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.emergencyShow(cmd.Context(), args[0])
		},
	}
}

func (a *app) emergencyShow(ctx context.Context, id string) error {
	store, list, err := a.loadEmergencies(ctx)
	if err != nil {
		return err
	}
	store.Close()
	e, err := emergency.Find(list, id)
	if err != nil {
		return usageErrorf("%w", err)
	}
	_, inv, err := a.loadInventory()
	if err != nil {
		return err
	}

	out := a.env.Stdout
	a.printEmergencyLine(out, e)
	if len(e.Controls) > 0 {
		fmt.Fprintf(out, "controls: %s\n", strings.Join(e.Controls, "; "))
	}
	if !e.Open() && e.CloseReason != "" {
		fmt.Fprintf(out, "close reason: %s\n", e.CloseReason)
	}
	for _, siteID := range e.Sites {
		a.printSiteClock(out, e, inv, siteID)
	}
	if len(e.WindowsFixes) > 0 {
		writeWindowsFixes(out, e.WindowsFixes)
	}

	if req, err := e.RunRequest(); err == nil {
		fmt.Fprintf(out, "run: playbook %s on %d remaining hosts, cycle %s %s\n", req.Playbook, len(req.Hosts), req.CycleKind, req.CycleID)
	}
	for _, siteID := range e.Sites {
		if text, ok := e.Notices[siteID]; ok {
			fmt.Fprintf(out, "\n--- notice for %s ---\n%s", siteID, text)
		}
	}
	return nil
}

func (a *app) printSiteClock(w io.Writer, e *emergency.Emergency, inv *inventory.Inventory, siteID string) {
	var loc *time.Location
	var names []string
	if s := inv.Site(siteID); s != nil {
		loc = s.TimeZone
		for _, h := range inv.HostsOf(siteID) {
			names = append(names, h.Name)
		}
	}
	c := e.Clock(siteID, loc, names, a.now())
	left := remainingText(c.Remaining)
	switch {
	case !e.Open():
		// A closed emergency's clock stopped, so it no longer counts down.
		left = closedText(e)
	case c.Overdue():
		left = "OVERDUE, " + left
	}
	fmt.Fprintf(w, "  %-12s deadline %s (%s), patched %d/%d\n",
		siteID, c.Deadline.Format("2006-01-02 15:04 MST"), left, c.Patched, c.Total)
}

// checkFixPlaybook checks that name is an available playbook that changes
// hosts. A run of the emergency marks the hosts it finishes as patched, so
// a read-only playbook such as facts would mark them patched without
// changing them.
func (a *app) checkFixPlaybook(name, dir string) error {
	list, err := a.loadCatalog(dir)
	if err != nil {
		return err
	}
	for _, pb := range list {
		if pb.Name != name {
			continue
		}
		if pb.ReadOnly() {
			return usageErrorf("--playbook %s changes nothing, so its run would mark hosts patched without patching them: name a playbook that installs the fix", name)
		}
		return nil
	}
	return usageErrorf("--playbook %q is not an available playbook: list them with patchbay playbooks, and give --playbooks DIR for a user playbook folder", name)
}

func (a *app) newEmergencyAttachCmd() *cobra.Command {
	var playbook, playbooksDir string
	cmd := &cobra.Command{
		Use:   "attach ID --playbook NAME",
		Short: "Attach a playbook to an emergency, which makes a zero-day runnable",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkFixPlaybook(playbook, playbooksDir); err != nil {
				return err
			}
			attach := func(e *emergency.Emergency) (event.Event, string, error) {
				ev, err := emergency.Attach(e, playbook, a.now())
				return ev, fmt.Sprintf("attached playbook %s to emergency %s, which is now runnable", playbook, e.ID), err
			}
			return a.emergencyChange(cmd.Context(), args[0], attach)
		},
	}
	cmd.Flags().StringVar(&playbook, "playbook", "", "playbook that installs the fix")
	cmd.Flags().StringVar(&playbooksDir, "playbooks", "", "folder of user playbooks, in addition to the built-in ones")
	_ = cmd.MarkFlagRequired("playbook") // fails only for an undefined flag
	return cmd
}

func (a *app) newEmergencyCloseCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "close ID",
		Short: "Close an emergency",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			closing := emergency.Closing{Reason: reason, Operator: osUserName(), OperatorName: a.operator, Now: a.now()}
			closeEmergency := func(e *emergency.Emergency) (event.Event, string, error) {
				ev, err := emergency.Close(e, closing)
				if errors.Is(err, emergency.ErrClosed) {
					// Closing twice is an input error, not a policy refusal.
					return ev, "", usageErrorf("%w", err)
				}
				return ev, fmt.Sprintf("closed emergency %s with %d of %d hosts patched", e.ID, len(e.Patched), len(e.Hosts)), err
			}
			return a.emergencyChange(cmd.Context(), args[0], closeEmergency)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the emergency is closed, for the journal; required while hosts remain unpatched")
	return cmd
}

// emergencyChange finds the emergency id, builds one event for it with
// change, journals the event and prints the message change returned.
func (a *app) emergencyChange(ctx context.Context, id string, change func(*emergency.Emergency) (event.Event, string, error)) error {
	store, err := a.openKEVJournal()
	if err != nil {
		return err
	}
	defer store.Close()

	var msg string
	err = appendAfterReplay(ctx, store, func(list []*emergency.Emergency) ([]event.Event, error) {
		e, err := emergency.Find(list, id)
		if err != nil {
			return nil, usageErrorf("%w", err)
		}
		var ev event.Event
		ev, msg, err = change(e)
		if ee := (*exitError)(nil); errors.As(err, &ee) {
			return nil, err
		}
		if errors.Is(err, emergency.ErrClosed) {
			return nil, withExit(ExitPolicy, err)
		}
		if err != nil {
			return nil, usageErrorf("%w", err)
		}
		return []event.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.env.Stdout, msg)
	return nil
}
