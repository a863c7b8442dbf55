package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"patchbay/inventory"
	"patchbay/inventory/credential"
	"patchbay/inventory/schedule"
	"patchbay/playbooks"
	"patchbay/playbooks/plan"
	"patchbay/remote/fleet"
	"patchbay/state"
)

// planFlags are the flags plan and run share.
type planFlags struct {
	sel            plan.Selection
	at             string
	vars           []string
	playbooks      string
	overrideWindow bool
	overrideGate   bool
	reason         string
	asJSON         bool
	emergency      string
	// resumesEmergency is set when run resumes or retries an emergency
	// run, whose hosts then come from that run.
	resumesEmergency bool
}

func (f *planFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.sel.Sites, "site", nil, "select the hosts of these site ids (comma-separated or repeated)")
	fs.StringSliceVar(&f.sel.Rings, "ring", nil, "select the hosts of these rings")
	fs.StringSliceVar(&f.sel.Hosts, "hosts", nil, "select these hosts by name or glob, such as 'ent-ws-*'")
	fs.StringSliceVar(&f.sel.Tags, "tag", nil, "select hosts with at least one of these tags")
	fs.StringVar(&f.at, "at", "", "plan at this instant instead of now, in RFC 3339 such as 2026-12-10T22:30:00-05:00")
	fs.StringArrayVar(&f.vars, "var", nil, "set a playbook variable, NAME=VALUE (repeatable)")
	fs.StringVar(&f.playbooks, "playbooks", "", "folder of user playbooks, in addition to the built-in ones")
	fs.BoolVar(&f.overrideWindow, "override-window", false, "run outside the sites' maintenance windows (needs --reason; journaled)")
	fs.BoolVar(&f.overrideGate, "override-gate", false, "start rings whose gate did not pass (needs --reason; journaled)")
	fs.StringVar(&f.reason, "reason", "", "written reason for --override-window or --override-gate")
	fs.BoolVar(&f.asJSON, "json", false, "print JSON: the plan, or for run one JSON event per line")
	fs.StringVar(&f.emergency, "emergency", "", "use the emergency with this ID (see patchbay emergency list): its playbook over its unpatched hosts, in its cycle")
}

// overrides checks that every override has its reason.
func (f *planFlags) overrides() (plan.Overrides, error) {
	var o plan.Overrides
	if (f.overrideWindow || f.overrideGate) && strings.TrimSpace(f.reason) == "" {
		return o, usageErrorf("--override-window and --override-gate need --reason TEXT, which is journaled with the override")
	}
	if f.overrideWindow {
		o.Window = f.reason
	}
	if f.overrideGate {
		o.Gate = f.reason
	}
	return o, nil
}

func (f *planFlags) variables() (map[string]string, error) {
	vars := map[string]string{}
	for _, kv := range f.vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErrorf("invalid --var %q: write NAME=VALUE", kv)
		}
		vars[k] = v
	}
	return vars, nil
}

// instant returns --at, or now when it is empty.
func (a *app) instant(at string) (time.Time, error) {
	if at == "" {
		return a.now(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, at); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErrorf("invalid --at %q: use RFC 3339 such as 2026-12-10T22:30:00-05:00, or 2006-01-02 15:04 in UTC", at)
}

// loadFleet loads the inventory from the places loadInventory searches.
func (a *app) loadFleet() (*inventory.Inventory, error) {
	_, inv, err := a.loadInventory()
	return inv, err
}

// planInput holds the inventory and journal a plan is made from.
type planInput struct {
	inv       *inventory.Inventory
	store     *state.Store     // nil when there is no journal yet
	emergency *emergencyTarget // nil for the monthly cycle
}

// makePlan loads the playbook, the inventory and the journal's history
// and builds the plan.
func (a *app) makePlan(ctx context.Context, name string, f *planFlags, in planInput) (*plan.Plan, error) {
	list, err := a.loadCatalog(f.playbooks)
	if err != nil {
		return nil, err
	}
	pb, err := playbooks.Find(list, name)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	at, err := a.instant(f.at)
	if err != nil {
		return nil, err
	}
	opts, err := a.planOptions(ctx, f, in, at)
	if err != nil {
		return nil, err
	}
	p, err := plan.Make(in.inv, pb, f.sel, opts)
	if err != nil {
		return nil, usageErrorf("%w", err)
	}
	return p, nil
}

func (a *app) planOptions(ctx context.Context, f *planFlags, in planInput, at time.Time) (plan.Options, error) {
	overrides, err := f.overrides()
	if err != nil {
		return plan.Options{}, err
	}
	vars, err := f.variables()
	if err != nil {
		return plan.Options{}, err
	}
	opts := plan.Options{At: at, Cycle: cycleID(at), Overrides: overrides, Vars: vars, Windows: plan.SiteWindows{},
		CheckCredential: credentialCheck(in.inv, a.getenv), Emergency: in.emergency.planEmergency()}
	if in.emergency != nil {
		opts.Cycle = in.emergency.request.CycleID
	}
	if in.store != nil {
		opts.SiteLock = siteLockHolder(in.store.Dir())
		recs, err := in.store.Records(ctx, state.Filter{})
		if err != nil {
			return opts, withExit(ExitFailures, err)
		}
		if opts.History, err = plan.NewJournalHistory(recs, in.inv); err != nil {
			return opts, withExit(ExitFailures, err)
		}
	}
	return opts, nil
}

// cycleID names the monthly cycle at t by the month of the latest release.
func cycleID(t time.Time) string {
	return schedule.LatestRelease(t).Format("2006-01")
}

// credentialCheck returns a check that the dialer could resolve a host's
// credential, without reading the secret.
func credentialCheck(inv *inventory.Inventory, getenv func(string) string) func(*inventory.Host) error {
	env := credential.Env{Getenv: getenv, Home: getenv("HOME")}
	return func(h *inventory.Host) error {
		return fleet.CheckCredential(inv, h, env)
	}
}

func (a *app) newPlanCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan PLAYBOOK",
		Short: "Show what a run of a playbook would do, host by host",
		Long: `plan lists every selected host with the steps it would run, or exactly why
it is skipped: an exception (with its id), a medical device, a platform the
playbook does not cover, a held update, a closed window (and when it opens),
a window too short for the host's expected duration, a ring gate not passed
(the criterion and the figure), a missing credential or a site locked by
another run. Hosts are listed in run order: per site, guests before their
hypervisor, and the gateway, firewall and core switch last.

--at TIME previews the plan at another instant, in RFC 3339.

--emergency ID plans an emergency instead of PLAYBOOK: its playbook over
its hosts not yet patched, with each ring's emergency soak and, once the
notices are journaled, no maintenance window required. The deadline clock
of each site is printed under the plan.`,
		Args: cobra.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkPlaybookArg(args, f.emergency); err != nil {
				return err
			}
			return a.showPlan(commandContext(cmd), firstArg(args), &f)
		},
	}
	f.register(cmd.Flags())
	return cmd
}

func (a *app) showPlan(ctx context.Context, name string, f *planFlags) error {
	inv, err := a.loadFleet()
	if err != nil {
		return err
	}
	if err := checkHostPatterns(inv, f.sel.Hosts); err != nil {
		return err
	}
	store, err := a.openJournalIfExists()
	if err != nil {
		return err
	}
	if store != nil {
		defer store.Close()
	}
	in := planInput{inv: inv, store: store}
	if name, in.emergency, err = a.resolveEmergency(ctx, store, f, name); err != nil {
		return err
	}
	p, err := a.makePlan(ctx, name, f, in)
	if err != nil {
		return err
	}
	if f.asJSON {
		doc := planJSON(p)
		doc.Emergency = a.emergencyJSONOf(in.emergency, inv)
		enc := json.NewEncoder(a.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	writePlan(a.env.Stdout, p)
	if in.emergency != nil {
		a.writeEmergencyClocks(a.env.Stdout, in.emergency.emergency, inv)
	}
	return nil
}

// writePlan prints the plan as a table per host, then the devices.
func writePlan(w io.Writer, p *plan.Plan) {
	runnable, skipped := p.Counts()
	fmt.Fprintf(w, "Plan for %s over %s at %s (cycle %s): %d hosts run, %d skipped\n",
		p.Playbook.Name, p.Selection, p.At.UTC().Format(time.RFC3339), p.Cycle, runnable, skipped)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SITE\tHOST\tRING\tORDER\tWHAT")
	for _, h := range p.Hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.Host.Site, h.Host.Name, h.Host.Ring, stageName(h), hostWhat(h))
	}
	for _, d := range p.Devices {
		fmt.Fprintf(tw, "%s\t%s\t-\t-\tskipped: medical device (%s %s); never contacted\n", d.Site, d.Name, d.Vendor, d.Model)
	}
	tw.Flush()
}

func hostWhat(h *plan.Host) string {
	if h.Skip != nil {
		return "skipped: " + h.Skip.String()
	}
	names := make([]string, len(h.Steps))
	for i, s := range h.Steps {
		names[i] = s.Name
	}
	what := "run: " + strings.Join(names, ", ")
	if h.Staged != nil {
		what = "stage only: " + strings.Join(names, ", ") + " (the other steps wait, " + h.Staged.String() + ")"
	}
	if h.ReadOnly {
		what += " (read-only: excepted host)"
	}
	return what
}

// stageName returns the reason for the host's place in its site's order.
func stageName(h *plan.Host) string {
	switch h.Stage {
	case 0:
		return "guest, before its hypervisor"
	case 2:
		return "hypervisor, after its guests"
	case 3:
		return "gateway, last and alone"
	case 4:
		return "network core, last and alone"
	}
	return "-"
}

// planHostJSON is one host as `plan --json` prints it.
type planHostJSON struct {
	Host     string    `json:"host"`
	Site     string    `json:"site"`
	Ring     string    `json:"ring"`
	Platform string    `json:"platform"`
	Stage    int       `json:"stage"`
	Alone    bool      `json:"alone,omitempty"`
	Steps    []string  `json:"steps,omitempty"`
	ReadOnly bool      `json:"read_only,omitempty"`
	Expected string    `json:"expected_duration,omitempty"`
	Skip     *skipJSON `json:"skip,omitempty"`
	// Staged is why the host runs only its stage steps, absent when it
	// runs every step.
	Staged *skipJSON `json:"staged,omitempty"`
}

type skipJSON struct {
	Reason    plan.Reason `json:"reason"`
	Detail    string      `json:"detail"`
	Exception string      `json:"exception,omitempty"`
	Opens     *time.Time  `json:"opens,omitempty"`
}

func skipOf(s *plan.Skip) *skipJSON {
	if s == nil {
		return nil
	}
	j := &skipJSON{Reason: s.Reason, Detail: s.Detail, Exception: s.Exception}
	if !s.Opens.IsZero() {
		j.Opens = &s.Opens
	}
	return j
}

type planJSONDoc struct {
	Playbook string         `json:"playbook"`
	Source   string         `json:"source"`
	At       time.Time      `json:"at"`
	Cycle    string         `json:"cycle"`
	Hosts    []planHostJSON `json:"hosts"`
	Devices  []string       `json:"medical_devices_never_contacted"`
	// Emergency is the emergency the plan belongs to, absent for the
	// monthly cycle.
	Emergency *emergencyJSON `json:"emergency,omitempty"`
}

func planJSON(p *plan.Plan) planJSONDoc {
	doc := planJSONDoc{Playbook: p.Playbook.Name, Source: p.Playbook.Source, At: p.At, Cycle: p.Cycle, Hosts: []planHostJSON{}, Devices: []string{}}
	for _, h := range p.Hosts {
		j := planHostJSON{Host: h.Host.Name, Site: h.Host.Site, Ring: h.Host.Ring, Platform: string(h.Host.Platform),
			Stage: h.Stage, Alone: h.Alone, ReadOnly: h.ReadOnly, Expected: h.Expected.String()}
		for _, s := range h.Steps {
			j.Steps = append(j.Steps, s.Name)
		}
		j.Skip, j.Staged = skipOf(h.Skip), skipOf(h.Staged)
		doc.Hosts = append(doc.Hosts, j)
	}
	for _, d := range p.Devices {
		doc.Devices = append(doc.Devices, d.Name)
	}
	return doc
}
